import { isJsonObject, type JsonObject } from '../model/json-object.js';

/**
 * Tightens the FHIR JSON schema to the JSON rules of https://hl7.org/fhir/R4/json.html,
 * which the published schema only partly states:
 * - complex elements are JSON objects (the schema gives no `type`, so `"maritalStatus": "M"`
 *   would pass) and are never empty; arrays are never empty;
 * - `null` appears only inside arrays of primitives and their `_name` twins, to keep values
 *   and extensions aligned (nullable copies of the primitive definitions, `date-or-null`);
 * - required-binding codes (`enum`) are strings;
 * - regexes apply to strings only (dropped from boolean and number types, where they are inert);
 * - the primitive regexes are XML Schema regexes, where `\s` means only space, tab, CR, LF
 *   (https://www.w3.org/TR/xmlschema-2/#charcter-classes); in JavaScript `\s` also matches
 *   U+00A0 and friends, which would reject a string holding a no-break space.
 */

export const NULLABLE_SUFFIX = '-or-null';

const REF_PREFIX = '#/definitions/';

/** XML Schema whitespace classes, spelled for JavaScript (one pass, so results are not re-read). */
const XSD_CLASSES: ReadonlyMap<string, string> = new Map([
  ['[ \\r\\n\\t\\S]', '[\\s\\S]'], // space/CR/LF/tab plus every non-whitespace: anything
  ['[^\\s]', '[^ \\t\\n\\r]'],
  ['\\S', '[^ \\t\\n\\r]'],
  ['\\s', '[ \\t\\n\\r]'],
]);

function xsdPattern(pattern: string): string {
  return pattern.replace(/\[ \\r\\n\\t\\S\]|\[\^\\s\]|\\S|\\s/g, (m) => XSD_CLASSES.get(m) ?? m);
}

/**
 * Regexes only test strings; on booleans and numbers (`^true|false$`, the integer patterns)
 * they are inert, so they are dropped rather than left to confuse error reports.
 */
function fixPattern(schema: JsonObject): void {
  const pattern = schema['pattern'];
  if (typeof pattern !== 'string') return;
  if (schema['type'] === 'string') schema['pattern'] = xsdPattern(pattern);
  else delete schema['pattern'];
}

function withNull(type: unknown): unknown {
  return typeof type === 'string' ? [type, 'null'] : type;
}

function rewriteArray(prop: JsonObject, isTwin: boolean, primitives: ReadonlySet<string>): void {
  prop['minItems'] = 1;
  const items = prop['items'];
  if (!isJsonObject(items)) return;
  const ref = items['$ref'];
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
    const target = ref.slice(REF_PREFIX.length);
    if (primitives.has(target) || (isTwin && target === 'Element')) items['$ref'] = `${ref}${NULLABLE_SUFFIX}`;
  } else if (items['type'] === undefined) {
    items['type'] = ['string', 'null'];
  }
  const codes: unknown = items['enum'];
  if (Array.isArray(codes)) items['enum'] = [...(codes as unknown[]), null];
}

function rewriteComplex(def: JsonObject, primitives: ReadonlySet<string>): void {
  const props = isJsonObject(def['properties']) ? def['properties'] : {};
  def['type'] = 'object';
  if (props['resourceType'] === undefined) def['minProperties'] = 1;
  for (const [name, prop] of Object.entries(props)) {
    if (!isJsonObject(prop)) continue;
    if (prop['type'] === 'array') rewriteArray(prop, name.startsWith('_'), primitives);
    else if (Array.isArray(prop['enum']) && prop['type'] === undefined) prop['type'] = 'string';
    else fixPattern(prop);
  }
}

/** Applies the rules above to every definition, in place. */
export function rewriteForJson(defs: JsonObject, primitives: ReadonlySet<string>): void {
  for (const [name, def] of Object.entries(defs)) {
    if (!isJsonObject(def)) continue;
    if (primitives.has(name)) fixPattern(def);
    else if (isJsonObject(def['properties'])) {
      rewriteComplex(def, primitives);
    }
  }
  for (const name of [...primitives, 'Element']) {
    const def = defs[name];
    if (isJsonObject(def)) defs[`${name}${NULLABLE_SUFFIX}`] = { ...def, type: withNull(def['type']) };
  }
}
