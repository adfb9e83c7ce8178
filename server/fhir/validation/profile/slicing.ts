import type { Issue } from '../../../errors/issue.js';
import type { CompiledElement, Slicing } from './compiled-types.js';
import { discriminatorMatches, type DiscriminatorContext } from './discriminators.js';
import type { Item } from './items.js';

/**
 * Assigns each value of a sliced element to the first slice whose discriminators all match
 * (https://hl7.org/fhir/R4/profiling.html#slicing), then checks what slicing itself says:
 * each slice's cardinality, `closed` (every value must fall in a slice), `openAtEnd`
 * (unsliced values only after the sliced ones) and `ordered` (values in slice order).
 */

function matchesSlice(slice: CompiledElement, slicing: Slicing, item: Item, ctx: DiscriminatorContext): boolean {
  if (slicing.discriminators.length === 0) return false;
  const start = { value: item.value, type: item.type };
  return slicing.discriminators.every((d) => discriminatorMatches(slice, start, d, ctx));
}

function err(code: Issue['code'], diagnostics: string, at: string): Issue {
  return { severity: 'error', code, diagnostics, expression: [at] };
}

/**
 * The slice of each item (undefined: none). `at` is the element's location in the instance
 * (`Observation.component`), for issues about the element as a whole.
 */
export function assignSlices(
  def: CompiledElement,
  slicing: Slicing,
  items: readonly Item[],
  at: string,
  ctx: DiscriminatorContext,
  issues: Issue[],
  label: string,
): (CompiledElement | undefined)[] {
  const assigned = items.map((item) => def.slices.find((s) => matchesSlice(s, slicing, item, ctx)));
  let lastSlice = -1;
  let sawUnsliced = false;
  assigned.forEach((slice, i) => {
    const item = items[i];
    if (item === undefined) return;
    if (slice === undefined) {
      if (slicing.rules === 'closed') {
        issues.push(err('structure', `${item.path} does not match any slice of ${def.path} (${label}: slicing is closed)`, item.path));
      }
      sawUnsliced = true;
      return;
    }
    if (slicing.rules === 'openAtEnd' && sawUnsliced) {
      issues.push(err('structure', `${item.path}: slice '${slice.sliceName ?? ''}' follows values that match no slice, but ${def.path} is open only at the end (${label})`, item.path));
    }
    const index = def.slices.indexOf(slice);
    if (slicing.ordered && index < lastSlice) {
      issues.push(err('structure', `${item.path}: slice '${slice.sliceName ?? ''}' is out of order (${label}: ${def.path} slices are ordered)`, item.path));
    }
    lastSlice = Math.max(lastSlice, index);
  });
  for (const slice of def.slices) {
    const n = assigned.filter((s) => s === slice).length;
    const name = slice.sliceName ?? '';
    if (n < slice.min) {
      issues.push(err('required', `${at}: slice '${name}' requires at least ${slice.min} value(s), found ${n} (${label})`, at));
    } else if (n > slice.max) {
      issues.push(err('structure', `${at}: slice '${name}' allows at most ${slice.max} value(s), found ${n} (${label})`, at));
    }
  }
  return assigned;
}
