import { isJsonObject, type JsonObject } from '../model/json-object.js';
import type { ChildSpec, ElementTables, TypeTable } from './element-tables.js';

/**
 * Aligns the JSON schema with the official R4 snapshots, so that it allows exactly their
 * elements:
 * - Medplum's fhir.schema.json adds properties to R4 types (Meta.project/author/account/
 *   compartment, Reference.resource, OperationOutcome.status/resource,
 *   HealthcareService.offeredIn...) which would let unknown elements through: removed;
 * - the schema has no `_name` twin for `canonical` elements: added;
 * - many `code` elements with a required binding carry no `enum` (Observation.status,
 *   MedicationRequest.intent...): the codes of the bound value set are added where it is a
 *   closed list (https://hl7.org/fhir/R4/terminologies.html#required);
 * - choice variants spell their primitive inline (`valueDateTime: {type, pattern}`), and not
 *   always as the primitive's definition does (inline base64Binary has a regex that overflows
 *   the regex engine's stack on multi-megabyte data): replaced by a `$ref` to the definition.
 * Each schema definition is matched to the table of the type or backbone element it describes
 * by following `$ref`s from the type definitions (the schema names backbones `Claim_SubDetail`,
 * the snapshots `Claim.item.detail.subDetail`).
 */

export interface AlignReport {
  /** `Meta.project`: schema properties removed because R4 does not define them. */
  readonly removed: readonly string[];
  /** `StructureDefinition._baseDefinition`: extension twins the schema forgot (all `canonical`s). */
  readonly added: readonly string[];
  /** `Extension.valueDate`: inline primitives replaced by a reference to their definition. */
  readonly normalized: readonly string[];
  /** `Observation.status`: required-binding codes the schema did not enumerate, now enumerated. */
  readonly enumerated: readonly string[];
  /** `Patient.gender`: R4 elements the schema lacks (the schema cannot be used then). */
  readonly missing: readonly string[];
}

const DEFINITIONS = '#/definitions/';

/** `X` for a `#/definitions/X` reference. */
function refName(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith(DEFINITIONS) ? ref.slice(DEFINITIONS.length) : undefined;
}

/** The `#/definitions/X` a property points at, directly or through `items`. */
export function refTarget(prop: unknown): string | undefined {
  if (!isJsonObject(prop)) return undefined;
  return refName(prop['$ref'] ?? (isJsonObject(prop['items']) ? prop['items']['$ref'] : undefined));
}

/**
 * Every primitive may carry id/extensions in a `_name` twin (https://hl7.org/fhir/R4/json.html#primitive),
 * except xhtml (no extensions) and `id`, which JSON writes as a bare string like the XML attribute
 * it is (Element.id) or as the resource's id.
 */
function hasTwin(name: string, child: ChildSpec): boolean {
  return child.primitive && child.type !== 'xhtml' && name !== 'id';
}

function twinSchema(child: ChildSpec): JsonObject {
  const element = { $ref: `${DEFINITIONS}Element` };
  return child.repeating ? { type: 'array', items: element } : element;
}

/** A single-valued primitive spelled out in place (enums stay: they are stricter than `code`). */
function isInlinePrimitive(prop: unknown): boolean {
  if (!isJsonObject(prop) || prop['$ref'] !== undefined || prop['enum'] !== undefined) return false;
  return typeof prop['type'] === 'string' && prop['type'] !== 'array';
}

/** The codes of a value set (by canonical URL), when it is a closed list; else undefined. */
export type CodeLookup = (valueSet: string) => readonly string[] | undefined;

/** Adds the bound codes to a `code` property that has no `enum` yet. */
function enumerate(prop: unknown, child: ChildSpec, codesOf: CodeLookup): boolean {
  if (!isJsonObject(prop) || child.type !== 'code' || child.rule.valueSet === undefined) return false;
  const target = child.repeating && isJsonObject(prop['items']) ? prop['items'] : prop;
  if (target['enum'] !== undefined) return false;
  const codes = codesOf(child.rule.valueSet);
  if (codes === undefined) return false;
  target['enum'] = [...codes];
  return true;
}

interface Report {
  removed: string[];
  added: string[];
  normalized: string[];
  enumerated: string[];
  missing: string[];
}

/** Aligns one property of a definition; returns the backbone definition to visit next, if any. */
function alignProperty(
  props: JsonObject,
  prop: string,
  table: TypeTable,
  defName: string,
  codesOf: CodeLookup,
  r: Report,
): [string, string] | undefined {
  if (prop === 'resourceType' && table.resource) return undefined;
  const twin = prop.startsWith('_');
  const child = table.children.get(twin ? prop.slice(1) : prop);
  if (child === undefined || (twin && !child.primitive)) {
    Reflect.deleteProperty(props, prop);
    r.removed.push(`${defName}.${prop}`);
    return undefined;
  }
  if (twin) return undefined;
  if (child.primitive && isInlinePrimitive(props[prop])) {
    props[prop] = { $ref: `${DEFINITIONS}${child.type}` };
    r.normalized.push(`${defName}.${prop}`);
  }
  if (enumerate(props[prop], child, codesOf)) r.enumerated.push(`${table.key}.${prop}`);
  const target = child.table?.includes('.') === true ? refTarget(props[prop]) : undefined;
  return target === undefined || child.table === undefined ? undefined : [target, child.table];
}

/** Records the R4 elements the definition lacks, and adds the `_name` twins it forgot. */
function completeDefinition(props: JsonObject, table: TypeTable, defName: string, r: Report): void {
  for (const [name, child] of table.children) {
    if (!(name in props)) r.missing.push(`${table.key}.${name}`);
    else if (hasTwin(name, child) && !(`_${name}` in props)) {
      props[`_${name}`] = twinSchema(child);
      r.added.push(`${defName}._${name}`);
    }
  }
}

export function alignToTables(defs: JsonObject, t: ElementTables, codesOf: CodeLookup): AlignReport {
  const r: Report = { removed: [], added: [], normalized: [], enumerated: [], missing: [] };
  const mapped = new Set<string>();
  const queue: Array<[string, string]> = [];
  for (const key of t.tables.keys()) if (!key.includes('.') && isJsonObject(defs[key])) queue.push([key, key]);
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const [defName, tableKey] = next;
    const def = defs[defName];
    const table = t.tables.get(tableKey);
    if (mapped.has(defName) || !isJsonObject(def) || table === undefined) continue;
    mapped.add(defName);
    const props = isJsonObject(def['properties']) ? def['properties'] : {};
    for (const prop of Object.keys(props)) {
      const backbone = alignProperty(props, prop, table, defName, codesOf, r);
      if (backbone !== undefined) queue.push(backbone);
    }
    completeDefinition(props, table, defName, r);
    const required: unknown = def['required'];
    if (Array.isArray(required)) def['required'] = required.filter((n) => typeof n === 'string' && n in props);
  }
  return r;
}

/** Every `#/definitions/X` reachable from `root`. */
function reachable(defs: JsonObject, root: string): Set<string> {
  const seen = new Set<string>();
  const stack = [root];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const n of node) visit(n);
    else if (isJsonObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        const target = k === '$ref' ? refName(v) : undefined;
        if (target !== undefined) stack.push(target);
        else visit(v);
      }
    }
  };
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    visit(defs[name]);
  }
  return seen;
}

/** Drops definitions no R4 resource reaches (Medplum's own types and their parts). */
export function dropUnreachable(defs: JsonObject, root: string): string[] {
  const keep = reachable(defs, root);
  const dropped = Object.keys(defs).filter((name) => !keep.has(name));
  for (const name of dropped) Reflect.deleteProperty(defs, name);
  return dropped;
}
