import { r4TypeDefinitions } from '../../model/r4-structure-definitions.js';

/** What navigation needs to know about one element definition. */
export interface ElementInfo {
  /** FHIR type codes; several for a choice element. */
  readonly types: readonly string[];
  /** `value[x]`: the JSON property carries the type as a suffix (`valueQuantity`). */
  readonly choice: boolean;
  /** `#Questionnaire.item`: the element's children are defined at that path. */
  readonly contentReference?: string;
  /** Canonical URL of the value set of a `required` binding. */
  readonly requiredValueSet?: string;
}

let elements: ReadonlyMap<string, ElementInfo> | undefined;
let complexTypes: ReadonlySet<string> | undefined;

function build(): ReadonlyMap<string, ElementInfo> {
  const map = new Map<string, ElementInfo>();
  const complex = new Set<string>();
  for (const def of r4TypeDefinitions()) {
    if (def.kind !== 'primitive-type') complex.add(def.name);
    for (const el of def.elements) {
      const choice = el.path.endsWith('[x]');
      const path = choice ? el.path.slice(0, -3) : el.path;
      const ref = el.contentReference?.replace(/^#/, '');
      map.set(path, {
        types: el.types,
        choice,
        ...(ref === undefined ? {} : { contentReference: ref }),
        ...(el.requiredValueSet === undefined ? {} : { requiredValueSet: el.requiredValueSet }),
      });
    }
  }
  complexTypes = complex;
  return map;
}

/**
 * The element definition at a definition path (`Patient.contact.name`,
 * `HumanName.given`, `Observation.value` for `value[x]`), from the official R4
 * snapshots (inherited elements such as `meta` or `extension` included).
 */
export function elementAt(path: string): ElementInfo | undefined {
  elements ??= build();
  return elements.get(path);
}

/** Whether a type has its own StructureDefinition with children (complex types and resources). */
export function isComplexType(type: string): boolean {
  elements ??= build();
  return complexTypes?.has(type) ?? false;
}

/** `Quantity` → `valueQuantity`: the JSON name of one type of a choice element. */
export function choiceProperty(name: string, type: string): string {
  return `${name}${type.charAt(0).toUpperCase()}${type.slice(1)}`;
}
