import { stringProp, type JsonObject } from '../fhir/model/json-object.js';
import { CodeSystemIndex } from './code-system.js';
import { expandValueSet, type Expansion, type ExpansionContext, type ExpansionEntry } from './expansion.js';
import { EXTERNAL_SYSTEMS, grammarOf } from './grammar-systems.js';
import type { ConformanceRegistry } from './registry.js';

/**
 * Offline terminology over the conformance registry: code systems, value set expansion
 * and membership. Expansions are memoised until the registry's runtime layer changes.
 */

export type Membership =
  | { readonly kind: 'member'; readonly display?: string }
  | { readonly kind: 'not-member'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export type CodeCheck =
  | { readonly kind: 'valid'; readonly display?: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'not-held'; readonly reason: string };

const indexes = new WeakMap<JsonObject, CodeSystemIndex>();

/** The name a client sees for a system we do not hold. */
export function systemLabel(system: string): string {
  const name = EXTERNAL_SYSTEMS.get(system);
  return name === undefined ? system : `${name} (${system})`;
}

export class TerminologyService implements ExpansionContext {
  private expansions = new Map<string, Expansion | undefined>();
  private generation: number;

  constructor(readonly registry: ConformanceRegistry) {
    this.generation = registry.generation;
  }

  private fresh(): void {
    if (this.generation !== this.registry.generation) {
      this.expansions = new Map();
      this.generation = this.registry.generation;
    }
  }

  codeSystem(system: string, version?: string): CodeSystemIndex | undefined {
    const cs = this.registry.resolve('CodeSystem', version === undefined ? system : `${system}|${version}`);
    return cs === undefined ? undefined : this.codeSystemFor(cs);
  }

  /** The index of a CodeSystem resource (cached per resource object). */
  codeSystemFor(cs: JsonObject): CodeSystemIndex {
    let index = indexes.get(cs);
    if (index === undefined) {
      index = new CodeSystemIndex(cs);
      indexes.set(cs, index);
    }
    return index;
  }

  valueSet(canonical: string): JsonObject | undefined {
    return this.registry.resolve('ValueSet', canonical);
  }

  expandNested(canonical: string, stack: readonly string[]): Expansion | undefined {
    this.fresh();
    if (this.expansions.has(canonical)) return this.expansions.get(canonical);
    const vs = this.valueSet(canonical);
    const expansion = vs === undefined ? undefined : expandValueSet(this, vs, stack);
    this.expansions.set(canonical, expansion);
    return expansion;
  }

  /** The expansion of a value set held by the server, by canonical URL. */
  expansion(canonical: string): Expansion | undefined {
    return this.expandNested(canonical, []);
  }

  /** Expands a value set given as a resource (posted inline, or read by id). */
  expansionOf(vs: JsonObject): Expansion {
    return expandValueSet(this, vs, []);
  }

  /** Whether system|code is in a held value set (https://hl7.org/fhir/R4/valueset-operation-validate-code.html). */
  memberOf(valueSet: string | JsonObject, system: string | undefined, code: string, abstractAllowed = false): Membership {
    const exp = typeof valueSet === 'string' ? this.expansion(valueSet) : this.expansionOf(valueSet);
    const label = typeof valueSet === 'string' ? valueSet : (stringProp(valueSet, 'url') ?? 'the value set');
    if (exp === undefined) return { kind: 'unknown', reason: `The value set ${label} is not known to this server` };
    return membershipIn(this, exp, label, system, code, abstractAllowed);
  }

  /** A code checked against its code system alone (no value set). */
  checkCode(system: string, code: string): CodeCheck {
    const cs = this.codeSystem(system);
    if (cs === undefined) {
      const grammar = grammarOf(system);
      if (grammar !== undefined) return grammar(code) ? { kind: 'valid' } : { kind: 'invalid', reason: `'${code}' is not a valid code of ${system}` };
      return { kind: 'not-held', reason: `The code system ${systemLabel(system)} is not held by this server` };
    }
    const c = cs.get(code);
    if (c !== undefined) return { kind: 'valid', ...(c.display === undefined ? {} : { display: c.display }) };
    if (cs.content !== 'complete') return { kind: 'not-held', reason: `The code system ${system} is only partly held (${cs.content})` };
    return { kind: 'invalid', reason: `Unknown code '${code}' in the code system ${system}` };
  }
}

function membershipIn(
  svc: TerminologyService,
  exp: Expansion,
  label: string,
  system: string | undefined,
  code: string,
  abstractAllowed: boolean,
): Membership {
  if (system === undefined) return withoutSystem(svc, exp, label, code, abstractAllowed);
  const entry = exp.index.get(system)?.get(code) ?? caseFolded(svc, exp, system, code);
  if (entry !== undefined) {
    if (entry.abstract && !abstractAllowed) return { kind: 'not-member', reason: `The code '${code}' is abstract and cannot be used in ${label}` };
    return { kind: 'member', ...(entry.display === undefined ? {} : { display: entry.display }) };
  }
  if (exp.openSystems.has(system)) {
    const grammar = grammarOf(system);
    if (grammar !== undefined) {
      return grammar(code) ? { kind: 'member' } : { kind: 'not-member', reason: `'${code}' is not a valid code of ${system}` };
    }
    const cs = svc.codeSystem(system);
    if (cs !== undefined && cs.content === 'complete') {
      return { kind: 'not-member', reason: `The code '${code}' from ${system} is not in the value set ${label}` };
    }
    return { kind: 'unknown', reason: `The code system ${systemLabel(system)} is not held by this server, so '${code}' could not be checked against ${label}` };
  }
  if (exp.missingValueSets.length > 0) {
    return { kind: 'unknown', reason: `${label} includes value sets this server does not hold (${exp.missingValueSets.join(', ')})` };
  }
  return { kind: 'not-member', reason: `The code '${system}#${code}' is not in the value set ${label}` };
}

/**
 * A code without a system (a `code` element bound to a value set): the value set's own
 * codes decide, else a grammar-based system the value set includes whole (BCP-13 mime types,
 * ISO 4217 currencies...).
 */
function withoutSystem(svc: TerminologyService, exp: Expansion, label: string, code: string, abstractAllowed: boolean): Membership {
  const [first] = exp.byCode.get(code) ?? [];
  if (first !== undefined) return membershipIn(svc, exp, label, first.system, code, abstractAllowed);
  let unknown: string | undefined;
  for (const system of exp.openSystems) {
    const grammar = grammarOf(system);
    if (grammar === undefined) unknown ??= system;
    else if (grammar(code)) return { kind: 'member' };
  }
  if (unknown !== undefined) {
    return { kind: 'unknown', reason: `The code system ${systemLabel(unknown)} is not held by this server, so '${code}' could not be checked against ${label}` };
  }
  if (exp.missingValueSets.length > 0) {
    return { kind: 'unknown', reason: `${label} includes value sets this server does not hold (${exp.missingValueSets.join(', ')})` };
  }
  return { kind: 'not-member', reason: `The code '${code}' is not in the value set ${label}` };
}

/** Code systems that are not case sensitive match codes case-insensitively. */
function caseFolded(svc: TerminologyService, exp: Expansion, system: string, code: string): ExpansionEntry | undefined {
  const cs = svc.codeSystem(system);
  if (cs === undefined || cs.caseSensitive) return undefined;
  const canonical = cs.get(code)?.code;
  return canonical === undefined ? undefined : exp.index.get(system)?.get(canonical);
}
