import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../fhir/model/json-object.js';
import type { CodeSystemIndex, Concept, Designation } from './code-system.js';
import { applyFilter } from './filters.js';

/**
 * Expansion of a ValueSet's compose (https://hl7.org/fhir/R4/valueset.html#expansion):
 * includes (whole code systems, enumerated concepts, filters, other value sets — nested
 * includes are intersected with the rest of their include), then excludes.
 *
 * A system the server does not hold cannot be enumerated: it is recorded as "open", so
 * that membership of its codes is unknown (accepted with a warning) rather than false,
 * unless the value set enumerates that system's codes itself.
 */

export interface ExpansionEntry {
  readonly system: string;
  readonly version?: string;
  readonly code: string;
  readonly display?: string;
  readonly designations: readonly Designation[];
  readonly abstract: boolean;
  readonly inactive: boolean;
}

export interface Expansion {
  /** Every code, in compose order, without duplicates. */
  readonly entries: readonly ExpansionEntry[];
  /** system → code → entry. */
  readonly index: ReadonlyMap<string, ReadonlyMap<string, ExpansionEntry>>;
  /** code → entries (of any system), for codes given without a system (`code` elements). */
  readonly byCode: ReadonlyMap<string, readonly ExpansionEntry[]>;
  /** Systems included whole or by filter that the server does not hold. */
  readonly openSystems: ReadonlySet<string>;
  /** Value sets referenced but not held: any code's membership is then unknown. */
  readonly missingValueSets: readonly string[];
  /** Code systems whose codes were used (for expansion.parameter `used-codesystem`). */
  readonly usedSystems: ReadonlySet<string>;
  /** Notes for the caller: unknown codes in enumerations, filters not applied. */
  readonly warnings: readonly string[];
}

export interface ExpansionContext {
  codeSystem(system: string, version?: string): CodeSystemIndex | undefined;
  /** Expansion of another value set (memoised; `undefined` when not held). */
  expandNested(canonical: string, stack: readonly string[]): Expansion | undefined;
}

class Builder {
  readonly entries = new Map<string, ExpansionEntry>();
  readonly openSystems = new Set<string>();
  readonly missingValueSets: string[] = [];
  readonly usedSystems = new Set<string>();
  readonly warnings: string[] = [];

  add(e: ExpansionEntry): void {
    const key = `${e.system}\u0000${e.code}`;
    if (!this.entries.has(key)) this.entries.set(key, e);
  }

  has(system: string, code: string): boolean {
    return this.entries.has(`${system}\u0000${code}`);
  }

  merge(other: Builder): void {
    for (const e of other.entries.values()) this.add(e);
    for (const s of other.openSystems) this.openSystems.add(s);
    this.missingValueSets.push(...other.missingValueSets);
    for (const s of other.usedSystems) this.usedSystems.add(s);
    this.warnings.push(...other.warnings);
  }

  build(): Expansion {
    const index = new Map<string, Map<string, ExpansionEntry>>();
    const byCode = new Map<string, ExpansionEntry[]>();
    for (const e of this.entries.values()) {
      const same = byCode.get(e.code);
      if (same === undefined) byCode.set(e.code, [e]);
      else same.push(e);
      let codes = index.get(e.system);
      if (codes === undefined) {
        codes = new Map();
        index.set(e.system, codes);
      }
      codes.set(e.code, e);
    }
    return {
      entries: [...this.entries.values()],
      index,
      byCode,
      openSystems: this.openSystems,
      missingValueSets: this.missingValueSets,
      usedSystems: this.usedSystems,
      warnings: this.warnings,
    };
  }
}

function fromConcept(system: string, version: string | undefined, c: Concept): ExpansionEntry {
  return {
    system,
    ...(version === undefined ? {} : { version }),
    code: c.code,
    ...(c.display === undefined ? {} : { display: c.display }),
    designations: c.designations,
    abstract: c.abstract,
    inactive: c.inactive,
  };
}

function enumerated(b: Builder, system: string, version: string | undefined, include: JsonObject, cs: CodeSystemIndex | undefined): void {
  for (const raw of arrayProp(include, 'concept')) {
    if (!isJsonObject(raw)) continue;
    const code = stringProp(raw, 'code');
    if (code === undefined) continue;
    const known = cs?.get(code);
    if (cs !== undefined && known === undefined && cs.content === 'complete') {
      b.warnings.push(`The code '${code}' is not in the code system ${system}; left out of the expansion`);
      continue;
    }
    const display = stringProp(raw, 'display') ?? known?.display;
    const extra = arrayProp(raw, 'designation').filter(isJsonObject);
    const designations = [
      ...(known?.designations ?? []),
      ...extra.flatMap((d) => (typeof d['value'] === 'string' ? [{ value: d['value'], ...(typeof d['language'] === 'string' ? { language: d['language'] } : {}) }] : [])),
    ];
    b.add({
      system,
      ...(version === undefined ? {} : { version }),
      code: known?.code ?? code,
      ...(display === undefined ? {} : { display }),
      designations,
      abstract: known?.abstract ?? false,
      inactive: known?.inactive ?? false,
    });
  }
}

function systemPart(ctx: ExpansionContext, include: JsonObject, system: string): Builder {
  const b = new Builder();
  const version = stringProp(include, 'version');
  const cs = ctx.codeSystem(system, version);
  b.usedSystems.add(system);
  if (include['concept'] !== undefined) {
    enumerated(b, system, cs?.version ?? version, include, cs);
    return b;
  }
  if (cs === undefined || cs.content === 'not-present') {
    b.openSystems.add(system);
    return b;
  }
  let concepts: Concept[] | undefined;
  for (const f of arrayProp(include, 'filter')) {
    if (!isJsonObject(f)) continue;
    const passed = applyFilter(cs, f);
    if (concepts === undefined) concepts = passed;
    else {
      const keep = new Set(passed.map((c) => c.code));
      concepts = concepts.filter((c) => keep.has(c.code));
    }
  }
  for (const c of concepts ?? cs.all()) b.add(fromConcept(system, cs.version, c));
  // A fragment or an example lists only some of the system's codes.
  if (cs.content !== 'complete') b.openSystems.add(system);
  return b;
}

/** Intersection of the parts of one include (system part and each nested value set). */
function intersect(parts: readonly Builder[]): Builder {
  const [first, ...rest] = parts;
  if (first === undefined) return new Builder();
  if (rest.length === 0) return first;
  const out = new Builder();
  for (const e of first.entries.values()) {
    if (rest.every((p) => p.has(e.system, e.code) || p.openSystems.has(e.system))) out.add(e);
  }
  for (const p of rest) {
    for (const e of p.entries.values()) if (first.openSystems.has(e.system) && rest.every((q) => q.has(e.system, e.code) || q.openSystems.has(e.system))) out.add(e);
  }
  for (const s of first.openSystems) if (rest.every((p) => p.openSystems.has(s))) out.openSystems.add(s);
  for (const p of parts) {
    out.missingValueSets.push(...p.missingValueSets);
    for (const s of p.usedSystems) out.usedSystems.add(s);
    out.warnings.push(...p.warnings);
  }
  return out;
}

function nestedPart(ctx: ExpansionContext, canonical: string, stack: readonly string[]): Builder {
  const b = new Builder();
  const nested = stack.includes(canonical) ? undefined : ctx.expandNested(canonical, stack);
  if (nested === undefined) {
    b.missingValueSets.push(canonical);
    return b;
  }
  for (const e of nested.entries) b.add(e);
  for (const s of nested.openSystems) b.openSystems.add(s);
  b.missingValueSets.push(...nested.missingValueSets);
  for (const s of nested.usedSystems) b.usedSystems.add(s);
  b.warnings.push(...nested.warnings);
  return b;
}

function includePart(ctx: ExpansionContext, include: JsonObject, stack: readonly string[]): Builder {
  const parts: Builder[] = [];
  const system = stringProp(include, 'system');
  if (system !== undefined) parts.push(systemPart(ctx, include, system));
  for (const vs of arrayProp(include, 'valueSet')) if (typeof vs === 'string') parts.push(nestedPart(ctx, vs, stack));
  return intersect(parts);
}

/** A ValueSet that carries only an expansion (no compose): its `contains` tree, flattened. */
function fromExpansion(b: Builder, contains: readonly unknown[]): void {
  for (const c of contains) {
    if (!isJsonObject(c)) continue;
    const system = stringProp(c, 'system');
    const code = stringProp(c, 'code');
    if (system !== undefined && code !== undefined) {
      const display = stringProp(c, 'display');
      b.add({ system, code, ...(display === undefined ? {} : { display }), designations: [], abstract: c['abstract'] === true, inactive: c['inactive'] === true });
    }
    fromExpansion(b, arrayProp(c, 'contains'));
  }
}

/** Expands one ValueSet resource; `stack` holds the canonical URLs being expanded (cycle guard). */
export function expandValueSet(ctx: ExpansionContext, vs: JsonObject, stack: readonly string[]): Expansion {
  const compose = vs['compose'];
  const here = [...stack, stringProp(vs, 'url') ?? ''];
  if (!isJsonObject(compose)) {
    const b = new Builder();
    const expansion = vs['expansion'];
    if (isJsonObject(expansion)) fromExpansion(b, arrayProp(expansion, 'contains'));
    return b.build();
  }
  const b = new Builder();
  for (const inc of arrayProp(compose, 'include')) if (isJsonObject(inc)) b.merge(includePart(ctx, inc, here));
  const excluded = new Builder();
  for (const exc of arrayProp(compose, 'exclude')) if (isJsonObject(exc)) excluded.merge(includePart(ctx, exc, here));
  if (excluded.entries.size === 0) return b.build();
  const out = new Builder();
  for (const e of b.entries.values()) if (!excluded.has(e.system, e.code)) out.add(e);
  for (const s of b.openSystems) out.openSystems.add(s);
  out.missingValueSets.push(...b.missingValueSets);
  for (const s of b.usedSystems) out.usedSystems.add(s);
  out.warnings.push(...b.warnings);
  return out.build();
}
