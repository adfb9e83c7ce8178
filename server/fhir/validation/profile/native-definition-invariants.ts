import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../../model/json-object.js';
import type { CompiledConstraint } from './compiled-types.js';

/**
 * The invariants of ElementDefinition (eld-*) and StructureDefinition (sdf-*) that run on
 * every element of a profile, implemented natively: a profile has hundreds of elements, and
 * through fhirpath.js these cost 20-180 µs each, seconds for the R4 definition Bundles. Each
 * follows its published expression (quoted); an element missing where the expression would
 * give an empty result counts as satisfied, as in constraints.ts.
 *
 * eld-19 and eld-20 test `path.matches('...')`: fhirpath.js cannot read the published
 * regexes (its string escapes turn `\s` into `s`, and leave `{}` that a Unicode RegExp
 * rejects), so they are evaluated here with the regexes as written, on the whole path.
 */

type Test = CompiledConstraint['test'];

function distinct(values: readonly unknown[]): boolean {
  return new Set(values.map((v) => JSON.stringify(v))).size === values.length;
}

function int(v: unknown): number | undefined {
  return typeof v === 'string' && /^[+-]?\d+$/.test(v) ? Number(v) : typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function elements(sd: JsonObject, part: 'snapshot' | 'differential'): JsonObject[] {
  const p = sd[part];
  return isJsonObject(p) ? arrayProp(p, 'element').filter(isJsonObject) : [];
}

const hasDot = (el: JsonObject): boolean => (stringProp(el, 'path') ?? '').includes('.');

/** eld-19: `path.matches('[^\s\.,:;\'"\/|?!@#$%&*()\[\]{}]{1,64}(\.[^\s\.,:;\'"\/|?!@#$%&*()\[\]{}]{1,64}(\[x\])?(\:[^\s\.]+)?)*')` */
const ELD19 = /^[^\s.,:;'"/|?!@#$%&*()[\]{}]{1,64}(\.[^\s.,:;'"/|?!@#$%&*()[\]{}]{1,64}(\[x\])?(:[^\s.]+)?)*$/;
/** eld-20 (warning): `path.matches('[A-Za-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*(\[x])?)*')` */
const ELD20 = /^[A-Za-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*(\[x])?)*$/;

function pathMatches(re: RegExp): Test {
  return (el) => {
    const path = isJsonObject(el) ? el['path'] : undefined;
    return typeof path !== 'string' || re.test(path);
  };
}

const ON_ELEMENT: ReadonlyMap<string, Test> = new Map<string, Test>([
  /** eld-2: `min.empty() or max.empty() or (max = '*') or iif(max != '*', min <= max.toInteger())` */
  [
    'eld-2',
    (el) => {
      if (!isJsonObject(el)) return true;
      const min = int(el['min']);
      const max = el['max'];
      if (min === undefined || max === undefined || max === '*') return true;
      const m = int(max);
      return m === undefined || min <= m;
    },
  ],
  /** eld-3 (on max): `empty() or ($this = '*') or (toInteger() >= 0)` */
  ['eld-3', (max) => { const m = int(max); return max === undefined || max === '*' || m === undefined || m >= 0; }],
  /** eld-13: `type.select(code).isDistinct()` */
  ['eld-13', (el) => !isJsonObject(el) || distinct(arrayProp(el, 'type').map((t) => (isJsonObject(t) ? t['code'] : undefined)))],
  /** eld-14: `constraint.select(key).isDistinct()` */
  ['eld-14', (el) => !isJsonObject(el) || distinct(arrayProp(el, 'constraint').map((c) => (isJsonObject(c) ? c['key'] : undefined)))],
  /** eld-18: `(isModifier.exists() and isModifier) implies isModifierReason.exists()` */
  ['eld-18', (el) => !isJsonObject(el) || el['isModifier'] !== true || el['isModifierReason'] !== undefined],
  ['eld-19', pathMatches(ELD19)],
  ['eld-20', pathMatches(ELD20)],
]);

const CORE_SD = 'http://hl7.org/fhir/StructureDefinition';
const SYSTEM_TYPE = /^http:\/\/hl7\.org\/fhirpath\/System\.[A-Z][A-Za-z]+$/;

function typeCodes(els: readonly JsonObject[]): string[] {
  return els.flatMap((e) => arrayProp(e, 'type').flatMap((t) => (isJsonObject(t) && typeof t['code'] === 'string' ? [t['code']] : [])));
}

const ON_DEFINITION: ReadonlyMap<string, (sd: JsonObject) => boolean> = new Map<string, (sd: JsonObject) => boolean>([
  /** sdf-1: `derivation = 'constraint' or snapshot.element.select(path).isDistinct()` */
  ['sdf-1', (sd) => sd['derivation'] === 'constraint' || distinct(elements(sd, 'snapshot').map((e) => e['path']))],
  /** sdf-9: root elements carry no label, code or requirements (`children().element.where(path.contains('.').not())...`) */
  [
    'sdf-9',
    (sd) => [...elements(sd, 'snapshot'), ...elements(sd, 'differential')].filter((e) => !hasDot(e)).every((e) => e['label'] === undefined && e['code'] === undefined && e['requirements'] === undefined),
  ],
  /** sdf-15: `kind!='logical' implies snapshot.element.first().type.empty()` */
  ['sdf-15', (sd) => sd['kind'] === 'logical' || arrayProp(elements(sd, 'snapshot')[0] ?? {}, 'type').length === 0],
  /** sdf-15a: `(kind!='logical' and differential.element.first().path.contains('.').not()) implies differential.element.first().type.empty()` */
  [
    'sdf-15a',
    (sd) => {
      const first = elements(sd, 'differential')[0];
      return sd['kind'] === 'logical' || first === undefined || hasDot(first) || arrayProp(first, 'type').length === 0;
    },
  ],
  /** sdf-16 / sdf-17: every snapshot (differential) element has an id, and the ids are distinct */
  ['sdf-16', (sd) => elements(sd, 'snapshot').every((e) => e['id'] !== undefined) && distinct(elements(sd, 'snapshot').map((e) => e['id']))],
  ['sdf-17', (sd) => elements(sd, 'differential').every((e) => e['id'] !== undefined) && distinct(elements(sd, 'differential').map((e) => e['id']))],
  /** sdf-19: core definitions use only simple type codes or FHIRPath system types */
  [
    'sdf-19',
    (sd) =>
      !(stringProp(sd, 'url') ?? '').startsWith(CORE_SD) ||
      (typeCodes(elements(sd, 'differential')).every((c) => /^[a-zA-Z0-9]+$/.test(c) || SYSTEM_TYPE.test(c)) &&
        typeCodes(elements(sd, 'snapshot')).every((c) => /^[a-zA-Z0-9.]+$/.test(c) || SYSTEM_TYPE.test(c))),
  ],
  /** sdf-22: core definitions have no default values */
  [
    'sdf-22',
    (sd) => !(stringProp(sd, 'url') ?? '').startsWith(CORE_SD) || [...elements(sd, 'snapshot'), ...elements(sd, 'differential')].every((e) => !Object.keys(e).some((k) => k.startsWith('defaultValue'))),
  ],
  /** sdf-23: `(snapshot | differential).element.all(path.contains('.').not() implies sliceName.empty())` */
  ['sdf-23', (sd) => [...elements(sd, 'snapshot'), ...elements(sd, 'differential')].every((e) => hasDot(e) || e['sliceName'] === undefined)],
]);

/** On StructureDefinition.snapshot: sdf-3, sdf-8, sdf-8b. */
const ON_SNAPSHOT: ReadonlyMap<string, Test> = new Map<string, Test>([
  /** sdf-3: `element.all(definition.exists() and min.exists() and max.exists())` */
  ['sdf-3', (s) => !isJsonObject(s) || arrayProp(s, 'element').filter(isJsonObject).every((e) => e['definition'] !== undefined && e['min'] !== undefined && e['max'] !== undefined)],
  /** sdf-8b: `element.all(base.exists())` */
  ['sdf-8b', (s) => !isJsonObject(s) || arrayProp(s, 'element').filter(isJsonObject).every((e) => e['base'] !== undefined)],
  /** sdf-8: the first element is the type, the others are under it */
  [
    'sdf-8',
    (s, env) => {
      const sd = env.resource;
      if (!isJsonObject(s) || !isJsonObject(sd)) return true;
      const [first, ...rest] = arrayProp(s, 'element').filter(isJsonObject);
      const firstPath = first === undefined ? undefined : stringProp(first, 'path');
      if (firstPath === undefined) return true;
      if (sd['kind'] !== 'logical' && firstPath !== sd['type']) return false;
      return rest.every((e) => (stringProp(e, 'path') ?? '').startsWith(`${firstPath}.`));
    },
  ],
]);

/** The native test of an eld-/sdf- invariant, if there is one. */
export function nativeDefinitionInvariant(key: string): Test | undefined {
  const onElement = ON_ELEMENT.get(key) ?? ON_SNAPSHOT.get(key);
  if (onElement !== undefined) return onElement;
  const onDefinition = ON_DEFINITION.get(key);
  return onDefinition === undefined ? undefined : (sd) => !isJsonObject(sd) || onDefinition(sd);
}
