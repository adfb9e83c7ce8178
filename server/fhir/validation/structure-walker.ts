import type { Issue } from '../../errors/issue.js';
import { isJsonObject, type JsonObject } from '../model/json-object.js';
import type { ChildSpec, ElementRule, ElementTables, TypeTable } from './element-tables.js';
import { errorIssue } from './issues.js';
import { PRIMITIVE_RULES } from './primitive-values.js';

/**
 * The checks the JSON schema cannot make, driven by the snapshot tables
 * (https://hl7.org/fhir/R4/elementdefinition.html#min-max): min cardinality of primitives
 * and choices, one variant per choice element, numeric max cardinalities, calendar-valid
 * dates, integer ranges, and the null alignment of primitive arrays. It recurses through
 * backbone elements, datatypes, `_name` extension twins and inline resources (contained,
 * Bundle.entry.resource, Parameters.parameter.resource).
 *
 * Anything of the wrong JSON type, or unknown, is skipped: the schema reports those.
 */
export class StructureWalker {
  private readonly tables: ReadonlyMap<string, TypeTable>;
  private readonly elementTable: TypeTable;

  constructor(t: ElementTables) {
    this.tables = t.tables;
    const element = t.tables.get('Element');
    if (element === undefined) throw new Error('R4 definitions lack the Element type');
    this.elementTable = element;
  }

  /** Walks one resource whose resourceType is known; `path` is its FHIRPath location. */
  walkResource(resource: JsonObject, path: string, issues: Issue[]): void {
    const type = resource['resourceType'];
    const table = typeof type === 'string' ? this.tables.get(type) : undefined;
    if (table?.resource === true) this.walkObject(resource, table, path, issues);
  }

  private walkObject(obj: JsonObject, table: TypeTable, path: string, issues: Issue[]): void {
    let choices: Map<ElementRule, string> | undefined;
    // for-in, not Object.keys: no array per object (JSON objects have no inherited enumerable keys).
    for (const key in obj) {
      const twin = key.charCodeAt(0) === 95; // '_': https://hl7.org/fhir/R4/json.html#primitive
      const name = twin ? key.slice(1) : key;
      const child = table.children.get(name);
      if (child === undefined || (twin && !child.primitive)) continue;
      if (child.rule.choice) {
        choices ??= new Map();
        const seen = choices.get(child.rule);
        if (seen === undefined) choices.set(child.rule, name);
        else if (seen !== name) issues.push(choiceConflict(path, child.rule, seen, name));
      }
      const value = obj[key];
      if (twin) this.walkTwin(obj, name, value, path, issues);
      else if (child.primitive) this.checkPrimitive(obj, name, child, value, path, issues);
      else this.walkComplex(child, value, `${path}.${name}`, issues);
    }
    for (const rule of table.required) {
      if (!isPresent(obj, rule)) issues.push(missing(path, rule));
    }
    for (const rule of table.bounded) checkBound(obj, rule, path, issues);
  }

  private walkComplex(child: ChildSpec, value: unknown, path: string, issues: Issue[]): void {
    if (child.repeating && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) this.walkComplexItem(child, value[i], `${path}[${i}]`, issues);
    } else if (!child.repeating) {
      this.walkComplexItem(child, value, path, issues);
    }
  }

  private walkComplexItem(child: ChildSpec, value: unknown, path: string, issues: Issue[]): void {
    if (!isJsonObject(value)) return;
    if (child.resource) {
      this.walkResource(value, path, issues);
      return;
    }
    const table = child.table === undefined ? undefined : this.tables.get(child.table);
    if (table !== undefined) this.walkObject(value, table, path, issues);
  }

  /** `_name`: the id/extensions of a primitive, an Element (or an array of them). */
  private walkTwin(obj: JsonObject, name: string, value: unknown, path: string, issues: Issue[]): void {
    if (Array.isArray(value)) {
      if (obj[name] === undefined) checkAlignment(undefined, value, `${path}.${name}`, issues);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (isJsonObject(item)) this.walkObject(item, this.elementTable, `${path}.${name}[${i}]`, issues);
      }
    } else if (isJsonObject(value)) {
      this.walkObject(value, this.elementTable, `${path}.${name}`, issues);
    }
  }

  private checkPrimitive(
    obj: JsonObject,
    name: string,
    child: ChildSpec,
    value: unknown,
    path: string,
    issues: Issue[],
  ): void {
    const rule = PRIMITIVE_RULES.get(child.type);
    if (child.repeating && Array.isArray(value)) {
      checkAlignment(value, obj[`_${name}`], `${path}.${name}`, issues);
      if (rule === undefined) return;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item !== null) reportValue(rule(item), `${path}.${name}[${i}]`, issues);
      }
    } else if (rule !== undefined && !Array.isArray(value)) {
      reportValue(rule(value), `${path}.${name}`, issues);
    }
  }
}

function reportValue(problem: string | undefined, at: string, issues: Issue[]): void {
  if (problem !== undefined) issues.push(errorIssue('value', `${at}: ${problem}`, at));
}

function isPresent(obj: JsonObject, rule: ElementRule): boolean {
  for (const n of rule.jsonNames) {
    if (obj[n] !== undefined || obj[`_${n}`] !== undefined) return true;
  }
  return false;
}

function missing(path: string, rule: ElementRule): Issue {
  const which = rule.choice ? ` (one of ${rule.jsonNames.join(', ')})` : '';
  return errorIssue('required', `Missing required element '${rule.name}'${which} in ${path}`, `${path}.${rule.name}`);
}

/** A choice element takes exactly one type: https://hl7.org/fhir/R4/formats.html#choice */
function choiceConflict(path: string, rule: ElementRule, first: string, second: string): Issue {
  return errorIssue(
    'structure',
    `${path}: only one of ${first} and ${second} may be present (${rule.name}[x] takes a single type)`,
    [`${path}.${first}`, `${path}.${second}`],
  );
}

function checkBound(obj: JsonObject, rule: ElementRule, path: string, issues: Issue[]): void {
  let count = 0;
  for (const n of rule.jsonNames) {
    const v = obj[n] ?? obj[`_${n}`];
    if (v !== undefined) count += Array.isArray(v) ? v.length : 1;
  }
  if (count > rule.max) {
    const at = `${path}.${rule.name}`;
    issues.push(errorIssue('structure', `${at}: at most ${rule.max} allowed, found ${count}`, at));
  }
}

/**
 * A repeating primitive with extensions is two parallel arrays, `name` and `_name`, of equal
 * length; `null` pads either one, but never both at the same index
 * (https://hl7.org/fhir/R4/json.html#primitive).
 */
function checkAlignment(values: readonly unknown[] | undefined, twins: unknown, path: string, issues: Issue[]): void {
  const ext = Array.isArray(twins) ? twins : undefined;
  if (values !== undefined && ext !== undefined && values.length !== ext.length) {
    const text = `${path}: the value and extension arrays differ in length (${values.length} vs ${ext.length})`;
    issues.push(errorIssue('structure', text, path));
    return;
  }
  const n = values?.length ?? ext?.length ?? 0;
  for (let i = 0; i < n; i++) {
    const v: unknown = values?.[i] ?? null;
    const e: unknown = ext?.[i] ?? null;
    if (v === null && e === null) {
      const text = `${path}[${i}]: null may only pad a value that has extensions, or the extensions of a value`;
      issues.push(errorIssue('structure', text, `${path}[${i}]`));
    }
  }
}
