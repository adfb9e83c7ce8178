import { stringProp, type JsonObject } from '../fhir/model/json-object.js';
import { propertyText, type CodeSystemIndex, type Concept } from './code-system.js';
import { TerminologyError } from './errors.js';

/**
 * ValueSet.compose.include.filter over a code system the server holds
 * (https://hl7.org/fhir/R4/valueset.html#compositions, operators:
 * https://hl7.org/fhir/R4/valueset-filter-operator.html). `concept` / `code` name the code
 * itself (the hierarchy operators use the code system's is-a hierarchy); any other property
 * is a concept property, or `display`.
 */

const CODE_PROPERTIES = new Set(['concept', 'code']);

function valueOf(c: Concept, property: string): string[] {
  if (CODE_PROPERTIES.has(property)) return [c.code];
  if (property === 'display') return c.display === undefined ? [] : [c.display];
  if (property === 'parent') return c.parents;
  if (property === 'child') return c.children;
  return c.properties.filter((p) => p.code === property).flatMap((p) => {
    const t = propertyText(p.value);
    return t === undefined ? [] : [t];
  });
}

/** A FHIR filter regex must match the whole value (XML Schema regex semantics). */
function fullMatch(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    throw new TerminologyError('invalid', `The filter regex '${pattern}' is not a valid regular expression`);
  }
}

function hierarchy(cs: CodeSystemIndex, op: string, value: string): Concept[] {
  switch (op) {
    case 'is-a':
      return cs.descendantsOrSelf(value);
    case 'descendent-of':
      return cs.descendantsOrSelf(value).filter((c) => c.code !== cs.get(value)?.code);
    case 'is-not-a': {
      const excluded = new Set(cs.descendantsOrSelf(value).map((c) => c.code));
      return [...cs.all()].filter((c) => !excluded.has(c.code));
    }
    case 'generalizes':
      return cs.ancestorsOrSelf(value);
    default:
      return [];
  }
}

/** The concepts of `cs` that pass one filter; throws for operators it cannot apply. */
export function applyFilter(cs: CodeSystemIndex, filter: JsonObject): Concept[] {
  const property = stringProp(filter, 'property') ?? '';
  const op = stringProp(filter, 'op') ?? '';
  const value = stringProp(filter, 'value') ?? '';
  if (CODE_PROPERTIES.has(property) && ['is-a', 'descendent-of', 'is-not-a', 'generalizes'].includes(op)) {
    return hierarchy(cs, op, value);
  }
  const all = [...cs.all()];
  switch (op) {
    case '=':
      return all.filter((c) => valueOf(c, property).includes(value));
    case 'in': {
      const set = new Set(value.split(',').map((v) => v.trim()));
      return all.filter((c) => valueOf(c, property).some((v) => set.has(v)));
    }
    case 'not-in': {
      const set = new Set(value.split(',').map((v) => v.trim()));
      return all.filter((c) => !valueOf(c, property).some((v) => set.has(v)));
    }
    case 'regex': {
      const re = fullMatch(value);
      return all.filter((c) => valueOf(c, property).some((v) => re.test(v)));
    }
    case 'exists': {
      const wanted = value !== 'false';
      return all.filter((c) => valueOf(c, property).length > 0 === wanted);
    }
    default:
      throw new TerminologyError(
        'not-supported',
        `Filter '${property} ${op} ${value}' is not supported on ${cs.url} (supported: is-a, descendent-of, is-not-a, generalizes, =, in, not-in, regex, exists)`,
      );
  }
}
