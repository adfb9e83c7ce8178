import { resourceStructureDefinitions } from './definitions.js';

/** Top-level elements of a resource type that `_summary` and `_elements` care about. */
export interface TypeElementFlags {
  /** Elements marked isSummary (https://hl7.org/fhir/R4/search.html#summary). */
  readonly summary: ReadonlySet<string>;
  /** Elements with min >= 1, always returned (https://hl7.org/fhir/R4/search.html#elements). */
  readonly mandatory: ReadonlySet<string>;
}

let flags: ReadonlyMap<string, TypeElementFlags> | undefined;

/** `Patient.deceased[x]` → `deceased[x]`; only direct children of the resource. */
function topLevelName(path: string, type: string): string | undefined {
  const rest = path.slice(type.length + 1);
  return path.startsWith(`${type}.`) && !rest.includes('.') ? rest : undefined;
}

export function elementFlags(resourceType: string): TypeElementFlags | undefined {
  if (flags === undefined) {
    const map = new Map<string, TypeElementFlags>();
    for (const sd of resourceStructureDefinitions()) {
      const summary = new Set<string>();
      const mandatory = new Set<string>();
      for (const el of sd.snapshot?.element ?? []) {
        const name = topLevelName(el.path, sd.type);
        if (name === undefined) continue;
        if (el.isSummary === true) summary.add(name);
        if ((el.min ?? 0) >= 1) mandatory.add(name);
      }
      map.set(sd.type, { summary, mandatory });
    }
    flags = map;
  }
  return flags.get(resourceType);
}

/** Whether a JSON property (`deceasedBoolean`, `_birthDate`) belongs to an element name (`deceased[x]`, `birthDate`). */
export function propertyMatches(property: string, elements: ReadonlySet<string>): boolean {
  const name = property.startsWith('_') ? property.slice(1) : property;
  if (elements.has(name)) return true;
  for (const el of elements) {
    if (el.endsWith('[x]')) {
      const stem = el.slice(0, -3);
      const next = name.charAt(stem.length);
      if (name.startsWith(stem) && next !== '' && next === next.toUpperCase()) return true;
    }
  }
  return false;
}
