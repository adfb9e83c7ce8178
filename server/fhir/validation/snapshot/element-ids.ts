import { stringProp, type JsonObject } from '../../model/json-object.js';

/**
 * Element ids of a differential (https://hl7.org/fhir/R4/elementdefinition.html#id): taken
 * as given, or derived from path + sliceName for differentials written without ids (an
 * element under a slice belongs to the most recent slice of its ancestor path). A renamed
 * choice (`Observation.valueQuantity`, the R4 way to constrain value[x] to one type) is
 * written as the type slice `Observation.value[x]:valueQuantity`.
 */

export function deriveIds(diff: readonly JsonObject[]): string[] {
  const currentSlice = new Map<string, string>();
  return diff.map((el) => {
    const given = stringProp(el, 'id');
    if (given !== undefined) return given;
    const path = stringProp(el, 'path') ?? '';
    const sliceName = stringProp(el, 'sliceName');
    const segments = path.split('.');
    const parts: string[] = [];
    for (let i = 0; i < segments.length; i++) {
      const prefix = segments.slice(0, i + 1).join('.');
      const seg = segments[i] ?? '';
      const isLast = i === segments.length - 1;
      const slice = isLast ? sliceName : currentSlice.get(prefix);
      parts.push(slice === undefined ? seg : `${seg}:${slice}`);
    }
    if (sliceName !== undefined) {
      currentSlice.set(path, sliceName);
      for (const key of [...currentSlice.keys()]) if (key.startsWith(`${path}.`)) currentSlice.delete(key);
    } else {
      currentSlice.delete(path);
    }
    return parts.join('.');
  });
}

/** A differential id with renamed choices resolved, and the type the last segment's rename names. */
export interface NormalisedId {
  readonly id: string;
  /** `Quantity` when the id ended in `valueQuantity` (a constraint of value[x] to Quantity). */
  readonly renamedType?: string;
}

/**
 * Rewrites renamed choice segments (`Observation.valueQuantity`) to the choice element
 * (`Observation.value[x]`), given the ids that exist. In R4 such a differential element
 * constrains the choice to that type (https://hl7.org/fhir/R4/profiling.html#choice); the
 * caller narrows the types.
 */
export function normaliseChoices(id: string, exists: (id: string) => boolean): NormalisedId {
  const segments = id.split('.');
  let current = segments[0] ?? '';
  let renamedType: string | undefined;
  for (const seg of segments.slice(1)) {
    renamedType = undefined;
    const next = `${current}.${seg}`;
    const name = seg.split(':')[0] ?? seg;
    if (exists(next) || name.endsWith('[x]') || seg.includes(':')) {
      current = next;
      continue;
    }
    let renamed: string | undefined;
    for (let i = name.length - 1; i > 0; i--) {
      const c = name.charCodeAt(i);
      if (c < 65 || c > 90) continue;
      const stem = `${current}.${name.slice(0, i)}[x]`;
      if (exists(stem)) {
        renamed = stem;
        renamedType = name.slice(i);
        break;
      }
    }
    current = renamed ?? next;
  }
  return renamedType === undefined ? { id: current } : { id: current, renamedType };
}
