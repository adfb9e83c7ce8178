import type { JsonObject } from '../fhir/model/json-object.js';
import type { CodeSystemIndex, Concept } from './code-system.js';
import { TerminologyError } from './errors.js';

/**
 * $lookup (https://hl7.org/fhir/R4/codesystem-operation-lookup.html) and $subsumes
 * (https://hl7.org/fhir/R4/codesystem-operation-subsumes.html) over a held code system.
 */

export interface LookupResult {
  readonly name: string;
  readonly version?: string;
  readonly display: string;
  readonly designations: readonly JsonObject[];
  /** `{ code, value: { valueCode: ... } , description? }`, in the shape of the output parameter parts. */
  readonly properties: readonly { readonly code: string; readonly value: JsonObject; readonly description?: string }[];
}

/** The standard properties every lookup can return (https://hl7.org/fhir/R4/codesystem.html#defined-props). */
function standardProperties(cs: CodeSystemIndex, c: Concept): LookupResult['properties'] {
  const out: { code: string; value: JsonObject; description?: string }[] = [];
  for (const p of c.parents) out.push({ code: 'parent', value: { valueCode: p }, ...descriptionOf(cs, p) });
  for (const ch of c.children) out.push({ code: 'child', value: { valueCode: ch }, ...descriptionOf(cs, ch) });
  if (c.definition !== undefined) out.push({ code: 'definition', value: { valueString: c.definition } });
  out.push({ code: 'inactive', value: { valueBoolean: c.inactive } });
  if (c.abstract) out.push({ code: 'notSelectable', value: { valueBoolean: true } });
  return out;
}

function descriptionOf(cs: CodeSystemIndex, code: string): { description?: string } {
  const d = cs.get(code)?.display;
  return d === undefined ? {} : { description: d };
}

export function lookup(cs: CodeSystemIndex, code: string, wanted: readonly string[] = []): LookupResult {
  const c = cs.get(code);
  if (c === undefined) throw new TerminologyError('not-found', `Unknown code '${code}' in the code system ${cs.url}`);
  const own = c.properties.filter((p) => p.code !== 'parent' && p.code !== 'child' && p.code !== 'notSelectable').map((p) => ({ code: p.code, value: p.value }));
  let properties = [...standardProperties(cs, c), ...own];
  if (wanted.length > 0 && !wanted.includes('*')) properties = properties.filter((p) => wanted.includes(p.code));
  return {
    name: cs.name ?? cs.url,
    ...(cs.version === undefined ? {} : { version: cs.version }),
    display: c.display ?? c.code,
    designations: c.designations.map((d) => ({ ...d })),
    properties,
  };
}

export type SubsumptionOutcome = 'equivalent' | 'subsumes' | 'subsumed-by' | 'not-subsumed';

/** How code A relates to code B in the code system's is-a hierarchy. */
export function subsumes(cs: CodeSystemIndex, codeA: string, codeB: string): SubsumptionOutcome {
  for (const code of [codeA, codeB]) {
    if (cs.get(code) === undefined) throw new TerminologyError('invalid', `Unknown code '${code}' in the code system ${cs.url}`);
  }
  if (cs.get(codeA)?.code === cs.get(codeB)?.code) return 'equivalent';
  if (cs.isA(codeB, codeA)) return 'subsumes';
  if (cs.isA(codeA, codeB)) return 'subsumed-by';
  return 'not-subsumed';
}
