import { arrayProp, isJsonObject, stringProp, type JsonObject } from '../fhir/model/json-object.js';

/**
 * A CodeSystem resource indexed for look-ups (https://hl7.org/fhir/R4/codesystem.html):
 * every concept by code, with its parents and children. The hierarchy comes from nested
 * `concept`s (is-a unless hierarchyMeaning says otherwise) and from the `parent` / `child`
 * properties some R4 code systems use instead of nesting
 * (https://hl7.org/fhir/R4/codesystem.html#hierarchy).
 */

export interface ConceptProperty {
  readonly code: string;
  /** The value element as in the resource: `{ valueCode: 'x' }`, `{ valueBoolean: true }`... */
  readonly value: JsonObject;
}

export interface Designation {
  readonly language?: string;
  readonly use?: JsonObject;
  readonly value: string;
}

export interface Concept {
  readonly code: string;
  readonly display: string | undefined;
  readonly definition: string | undefined;
  readonly designations: readonly Designation[];
  readonly properties: readonly ConceptProperty[];
  readonly parents: string[];
  readonly children: string[];
  /** notSelectable / abstract: not for use in instances (https://hl7.org/fhir/R4/codesystem-concept-properties.html). */
  readonly abstract: boolean;
  /** status retired / deprecated, or inactive = true. */
  readonly inactive: boolean;
}

export type CodeSystemContent = 'not-present' | 'example' | 'fragment' | 'complete' | 'supplement';

function propertyValue(p: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(p)) if (k.startsWith('value')) out[k] = v;
  return out;
}

/** The value of a property as text, whatever its type (code, string, boolean, Coding...). */
export function propertyText(value: JsonObject): string | undefined {
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (k === 'valueCoding' && isJsonObject(v)) return stringProp(v, 'code');
  }
  return undefined;
}

function designationsOf(raw: JsonObject): Designation[] {
  const out: Designation[] = [];
  for (const d of arrayProp(raw, 'designation')) {
    if (!isJsonObject(d)) continue;
    const value = stringProp(d, 'value');
    if (value === undefined) continue;
    const language = stringProp(d, 'language');
    const use = d['use'];
    out.push({ value, ...(language === undefined ? {} : { language }), ...(isJsonObject(use) ? { use } : {}) });
  }
  return out;
}

export class CodeSystemIndex {
  readonly url: string;
  readonly version: string | undefined;
  readonly name: string | undefined;
  readonly content: CodeSystemContent;
  readonly caseSensitive: boolean;
  private readonly concepts = new Map<string, Concept>();
  private readonly folded = new Map<string, Concept>();

  constructor(readonly resource: JsonObject) {
    this.url = stringProp(resource, 'url') ?? '';
    this.version = stringProp(resource, 'version');
    this.name = stringProp(resource, 'title') ?? stringProp(resource, 'name');
    this.content = (stringProp(resource, 'content') ?? 'complete') as CodeSystemContent;
    // caseSensitive has no default in R4; the FHIR-defined systems are case sensitive.
    this.caseSensitive = resource['caseSensitive'] !== false;
    const nestingIsA = (stringProp(resource, 'hierarchyMeaning') ?? 'is-a') === 'is-a';
    this.addAll(arrayProp(resource, 'concept'), undefined, nestingIsA);
    this.linkProperties();
  }

  private addAll(list: readonly unknown[], parent: Concept | undefined, nestingIsA: boolean): void {
    for (const raw of list) {
      if (!isJsonObject(raw)) continue;
      const code = stringProp(raw, 'code');
      if (code === undefined) continue;
      const properties = arrayProp(raw, 'property')
        .filter(isJsonObject)
        .flatMap((p) => (typeof p['code'] === 'string' ? [{ code: p['code'], value: propertyValue(p) }] : []));
      const flag = (name: string): boolean => properties.some((p) => p.code === name && p.value['valueBoolean'] === true);
      const status = properties.find((p) => p.code === 'status');
      const statusText = status === undefined ? undefined : propertyText(status.value);
      const concept: Concept = {
        code,
        display: stringProp(raw, 'display'),
        definition: stringProp(raw, 'definition'),
        designations: designationsOf(raw),
        properties,
        parents: parent !== undefined && nestingIsA ? [parent.code] : [],
        children: [],
        abstract: flag('notSelectable') || flag('abstract'),
        inactive: flag('inactive') || statusText === 'retired' || statusText === 'deprecated',
      };
      if (parent !== undefined && nestingIsA) parent.children.push(code);
      this.concepts.set(code, concept);
      if (!this.folded.has(code.toLowerCase())) this.folded.set(code.toLowerCase(), concept);
      this.addAll(arrayProp(raw, 'concept'), concept, nestingIsA);
    }
  }

  /** `parent` / `child` / `subsumedBy` properties add hierarchy links (both directions). */
  private linkProperties(): void {
    for (const c of this.concepts.values()) {
      for (const p of c.properties) {
        const other = propertyText(p.value);
        const target = other === undefined ? undefined : this.concepts.get(other);
        if (target === undefined) continue;
        if (p.code === 'parent' || p.code === 'subsumedBy') link(target, c);
        else if (p.code === 'child') link(c, target);
      }
    }
  }

  get size(): number {
    return this.concepts.size;
  }

  all(): IterableIterator<Concept> {
    return this.concepts.values();
  }

  get(code: string): Concept | undefined {
    return this.concepts.get(code) ?? (this.caseSensitive ? undefined : this.folded.get(code.toLowerCase()));
  }

  /** Whether `code` is `ancestor` or one of its descendants (is-a, https://hl7.org/fhir/R4/codesystem.html#hierarchy). */
  isA(code: string, ancestor: string): boolean {
    const start = this.get(code);
    const target = this.get(ancestor);
    if (start === undefined || target === undefined) return false;
    const seen = new Set<string>();
    const stack = [start.code];
    for (let c = stack.pop(); c !== undefined; c = stack.pop()) {
      if (c === target.code) return true;
      if (seen.has(c)) continue;
      seen.add(c);
      stack.push(...(this.concepts.get(c)?.parents ?? []));
    }
    return false;
  }

  /** The concept and all its descendants, in the code system's order. */
  descendantsOrSelf(code: string): Concept[] {
    return this.closure(code, (c) => c.children);
  }

  /** The concept and all its ancestors (for the `generalizes` filter), in the code system's order. */
  ancestorsOrSelf(code: string): Concept[] {
    return this.closure(code, (c) => c.parents);
  }

  private closure(code: string, next: (c: Concept) => readonly string[]): Concept[] {
    const start = this.get(code);
    if (start === undefined) return [];
    const seen = new Set<string>();
    const stack = [start];
    for (let c = stack.pop(); c !== undefined; c = stack.pop()) {
      if (seen.has(c.code)) continue;
      seen.add(c.code);
      for (const n of next(c)) {
        const nc = this.concepts.get(n);
        if (nc !== undefined) stack.push(nc);
      }
    }
    return [...this.concepts.values()].filter((c) => seen.has(c.code));
  }
}

function link(parent: Concept, child: Concept): void {
  if (!child.parents.includes(parent.code)) child.parents.push(parent.code);
  if (!parent.children.includes(child.code)) parent.children.push(child.code);
}
