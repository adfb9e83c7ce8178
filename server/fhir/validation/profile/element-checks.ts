import type { Issue } from '../../../errors/issue.js';
import { isJsonObject } from '../../model/json-object.js';
import type { CompiledElement, InvariantEnv } from './compiled-types.js';
import { describe, equalsFixed, matchesPattern } from './fixed-pattern.js';
import { pathText, type Item, type PathOf } from './items.js';
import { referencedType, type ReferenceScope } from './references.js';

/**
 * The per-value checks of one element definition: allowed types, fixed / pattern values,
 * invariants, and the target type of references
 * (https://hl7.org/fhir/R4/elementdefinition.html, https://hl7.org/fhir/R4/references.html).
 */

function isResourceItem(item: Item): boolean {
  return isJsonObject(item.value) && typeof item.value['resourceType'] === 'string';
}

/** A profile may narrow the types of an element (e.g. value[x] to Quantity only). */
export function checkType(def: CompiledElement, item: Item, label: string, issues: Issue[]): void {
  if (def.types.length === 0) return;
  for (const t of def.types) {
    if (t.code === item.type || (t.code === 'Resource' && isResourceItem(item))) return;
  }
  const allowed = def.types.map((t) => t.code).join(', ');
  issues.push({
    severity: 'error',
    code: 'structure',
    diagnostics: `${item.path}: type ${item.type} is not allowed here (${label} allows ${allowed})`,
    expression: [item.path],
  });
}

export function checkFixedPattern(def: CompiledElement, item: Item, label: string, issues: Issue[]): void {
  if (def.fixed !== undefined && !equalsFixed(item.value, def.fixed)) {
    issues.push({
      severity: 'error',
      code: 'value',
      diagnostics: `${item.path}: the value must be exactly ${describe(def.fixed)} (${label})`,
      expression: [item.path],
    });
  }
  if (def.pattern !== undefined && !matchesPattern(item.value, def.pattern)) {
    issues.push({
      severity: 'error',
      code: 'value',
      diagnostics: `${item.path}: the value must match the pattern ${describe(def.pattern)} (${label})`,
      expression: [item.path],
    });
  }
}

/** Invariants of the element, evaluated on this value (https://hl7.org/fhir/R4/conformance-rules.html#constraints). */
export function checkInvariants(def: CompiledElement, value: unknown, at: PathOf, env: InvariantEnv, issues: Issue[]): void {
  for (const c of def.constraints) {
    let ok: boolean;
    try {
      ok = c.test(value, env);
    } catch {
      // fhirpath.js could not evaluate it on this data (an engine gap, not a data error).
      continue;
    }
    if (!ok) {
      const path = pathText(at);
      issues.push({ severity: c.severity, code: 'invariant', diagnostics: `${path}: ${c.key}: ${c.human}`, expression: [path] });
    }
  }
}

/**
 * A Reference must point to one of the element's target types (type.targetProfile), as far
 * as the reference tells which type it points to.
 */
export function checkReference(
  def: CompiledElement,
  item: Item,
  refs: ReferenceScope,
  typeOfProfile: (url: string) => string | undefined,
  issues: Issue[],
): void {
  if (!isJsonObject(item.value)) return;
  const targets = def.types.find((t) => t.code === 'Reference')?.targetProfiles ?? [];
  if (targets.length === 0) return;
  const allowed = targets.map((p) => typeOfProfile(p) ?? p.slice(p.lastIndexOf('/') + 1));
  if (allowed.includes('Resource')) return;
  const actual = referencedType(item.value, refs);
  if (actual === undefined || allowed.includes(actual)) return;
  issues.push({
    severity: 'error',
    code: 'structure',
    diagnostics: `${item.path}: refers to a ${actual}, but ${def.path} may only refer to ${allowed.join(', ')}`,
    expression: [item.path],
  });
}
