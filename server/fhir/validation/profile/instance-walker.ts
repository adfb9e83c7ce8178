import type { Issue } from '../../../errors/issue.js';
import type { TerminologyService } from '../../../terminology/terminology-service.js';
import { isJsonObject, stringProp, type JsonObject } from '../../model/json-object.js';
import { checkBinding, checkCodingSystem } from './bindings.js';
import type { CompiledElement, CompiledProfile, InvariantEnv } from './compiled-types.js';
import type { DiscriminatorContext } from './discriminators.js';
import { checkFixedPattern, checkInvariants, checkReference, checkType } from './element-checks.js';
import { eachItem, groupProperties, pathText, type Item, type PathOf } from './items.js';
import { bundleTypes, containedTypes, referencedType, type ReferenceScope } from './references.js';
import { assignSlices } from './slicing.js';

/**
 * Walks an instance along compiled StructureDefinitions (https://hl7.org/fhir/R4/validation.html).
 *
 * - base mode: the R4 definition of the resource type and of every datatype met on the way:
 *   invariants, bindings, reference targets, codes of held code systems, type profiles
 *   (SimpleQuantity...) and extensions against their definitions. Cardinality and JSON types
 *   are the structural validator's job and are not repeated.
 * - profile mode: everything a profile says: cardinality, types, fixed / pattern values,
 *   slicing, bindings, its own invariants; it descends only where the profile says something
 *   (the base walk covers the rest).
 */

export interface DefinitionSource {
  /** The compiled R4 definition of a type (`Patient`, `HumanName`). */
  baseType(type: string): CompiledProfile | undefined;
  /** A compiled profile (or base definition) by canonical URL. */
  profile(url: string): CompiledProfile | undefined;
  /** The type a profile constrains. */
  typeOfProfile(url: string): string | undefined;
}

export interface Scope {
  readonly resource: JsonObject;
  readonly root: JsonObject;
  readonly refs: ReferenceScope;
  readonly env: InvariantEnv;
}

/** Called for every resource nested in another (contained, Bundle.entry.resource, Parameters). */
export type NestedResourceHook = (resource: JsonObject, path: string, scope: Scope, issues: Issue[]) => void;

interface Run {
  readonly issues: Issue[];
  readonly mode: 'base' | 'profile';
  readonly label: string;
  readonly scope: Scope;
}

/** The scope of a resource: what `#id` and Bundle fullUrls resolve to, and %resource / %rootResource. */
export function scopeOf(resource: JsonObject, parent: Scope | undefined, contained: boolean): Scope {
  const root = contained && parent !== undefined ? parent.root : resource;
  const bundle = resource['resourceType'] === 'Bundle' ? bundleTypes(resource) : parent?.refs.bundle;
  const containedMap = contained && parent !== undefined ? parent.refs.contained : containedTypes(resource);
  return { resource, root, refs: { contained: containedMap, bundle }, env: { resource, rootResource: root } };
}

const NO_ITEMS: readonly Item[] = Object.freeze([]);

export class InstanceWalker {
  constructor(
    private readonly defs: DefinitionSource,
    private readonly terminology: TerminologyService,
    private readonly nested: NestedResourceHook,
  ) {}

  /** Base-definition rules for one resource (its type known to be an R4 resource type). */
  validateBase(resource: JsonObject, path: string, scope: Scope, issues: Issue[]): void {
    const type = stringProp(resource, 'resourceType') ?? '';
    const base = this.defs.baseType(type);
    if (base === undefined) return;
    this.walkItem(base.root, { value: resource, twin: undefined, type, path }, { issues, mode: 'base', label: base.url, scope });
  }

  /** Everything a profile says about a resource, or about a value of the type it constrains. */
  validateProfile(value: unknown, type: string, profile: CompiledProfile, path: string, scope: Scope, issues: Issue[]): void {
    this.walkItem(profile.root, { value, twin: undefined, type, path }, { issues, mode: 'profile', label: profile.url, scope });
  }

  /** walkItem for eachItem: one function for every object walked, not a closure each. */
  private readonly visit = (def: CompiledElement, item: Item, run: Run): void => this.walkItem(def, item, run);

  private walkItem(def: CompiledElement, item: Item, run: Run): void {
    const { issues } = run;
    if (run.mode === 'profile') {
      if (!def.isRoot) checkType(def, item, run.label, issues);
      checkFixedPattern(def, item, run.label, issues);
    }
    if (def.binding !== undefined && item.value !== undefined) checkBinding(this.terminology, def.binding, item, issues);
    if (def.constraints.length > 0) checkInvariants(def, item.value, item, run.scope.env, issues);
    if (item.type === 'Reference') checkReference(def, item, run.scope.refs, (u) => this.defs.typeOfProfile(u), issues);
    if (run.mode === 'base' && item.type === 'Coding') checkCodingSystem(this.terminology, item, issues);
    if (isJsonObject(item.value)) this.descend(def, item, item.value, run);
    if (item.twin !== undefined) this.walkTwin(def, item, item.twin, run);
  }

  private descend(def: CompiledElement, item: Item, value: JsonObject, run: Run): void {
    if (!def.isRoot && typeof value['resourceType'] === 'string') {
      if (run.mode === 'base') this.nested(value, item.path, run.scope, run.issues);
      else this.typeProfiles(def, item, run);
      return;
    }
    const kids = this.ownChildren(def, run);
    if (kids !== undefined) {
      this.walkObject(value, kids, item, run);
    } else if (run.mode === 'base') {
      const typeRoot = this.defs.baseType(item.type)?.root;
      if (typeRoot !== undefined) {
        if (typeRoot.constraints.length > 0) checkInvariants(typeRoot, value, item, run.scope.env, run.issues);
        this.walkObject(value, typeRoot.children, item, run);
      }
    }
    if (this.typeProfiles(def, item, run)) return;
    if (item.type === 'Extension' && kids === undefined && run.mode === 'base') this.extensionDefinition(value, item, run);
  }

  /** The element's own children in this definition (or those of its contentReference). */
  private ownChildren(def: CompiledElement, run: Run): ReadonlyMap<string, CompiledElement> | undefined {
    if (def.children.size > 0) return def.children;
    if (def.contentReference === undefined) return undefined;
    const profile = run.mode === 'base' ? this.defs.baseType(def.contentReference.split('.')[0] ?? '') : undefined;
    const target = profile?.byId.get(def.contentReference) ?? this.findInRun(def.contentReference, run);
    return target?.children;
  }

  private findInRun(id: string, run: Run): CompiledElement | undefined {
    return this.defs.profile(run.label)?.byId.get(id);
  }

  /** type.profile (SimpleQuantity, an extension's definition in a profile): the value must conform. */
  private typeProfiles(def: CompiledElement, item: Item, run: Run): boolean {
    const ref = def.types.find((t) => t.code === item.type) ?? (def.types.length === 1 ? def.types[0] : undefined);
    const urls = ref?.profiles ?? [];
    if (urls.length === 0) return false;
    for (const url of urls) {
      const p = this.defs.profile(url);
      if (p === undefined) continue;
      this.validateProfile(item.value, item.type, p, item.path, run.scope, run.issues);
      return true;
    }
    return false;
  }

  /** An extension outside any slice: checked against its definition when the server has it. */
  private extensionDefinition(value: JsonObject, item: Item, run: Run): void {
    const url = stringProp(value, 'url');
    if (url === undefined || !url.includes('/')) return;
    const p = this.defs.profile(url);
    if (p !== undefined) {
      this.validateProfile(value, 'Extension', p, item.path, run.scope, run.issues);
      return;
    }
    const modifier = /\.modifierExtension(\[\d+\])?$/.test(item.path);
    run.issues.push({
      severity: modifier ? 'warning' : 'information',
      code: 'extension',
      diagnostics: `${item.path}: the ${modifier ? 'modifier ' : ''}extension ${url} is not known to this server, so it was not checked`,
      expression: [item.path],
    });
  }

  /** A primitive's `_name` twin: id and extensions, walked as an Element. */
  private walkTwin(def: CompiledElement, item: Item, twin: JsonObject, run: Run): void {
    if (def.children.size > 0) {
      this.walkObject(twin, def.children, item, run);
      return;
    }
    if (run.mode !== 'base') return;
    const element = this.defs.baseType('Element')?.root;
    if (element !== undefined) this.walkObject(twin, element.children, item, run);
  }

  /** What slicing needs to evaluate discriminators in this run's resource. */
  private sliceContext(run: Run): DiscriminatorContext {
    return {
      profile: (url) => this.defs.profile(url),
      typeOfProfile: (url) => this.defs.typeOfProfile(url),
      referencedType: (ref) => referencedType(ref, run.scope.refs),
      conforms: (value, type, url) => this.conforms(value, type, url, run.scope),
    };
  }

  /** Whether a value conforms to a profile: no error when validated against it. */
  conforms(value: unknown, type: string, url: string, scope: Scope): boolean {
    const p = this.defs.profile(url);
    if (p === undefined) return false;
    const issues: Issue[] = [];
    this.validateProfile(value, type, p, type, scope, issues);
    return !issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
  }

  private walkObject(obj: JsonObject, kids: ReadonlyMap<string, CompiledElement>, path: PathOf, run: Run): void {
    if (run.mode === 'base') {
      // Every resource passes here: items are walked as they are found, without grouping
      // them first (the grouping was the validator's largest allocation). Only invalid
      // input (two choice properties of one element) is walked in a different order.
      eachItem(obj, kids, path, this.visit, run);
      return;
    }
    const groups = groupProperties(obj, kids, path);
    for (const kid of kids.values()) {
      const items = groups.get(kid) ?? NO_ITEMS;
      // The common case: absent, optional, unsliced (slices can require members): nothing to check, no path to build.
      if (items.length === 0 && kid.min === 0 && kid.slicing === undefined) continue;
      const at = `${pathText(path)}.${kid.name}`;
      if (items.length < kid.min) {
        run.issues.push({ severity: 'error', code: 'required', diagnostics: `${at}: at least ${kid.min} required, found ${items.length} (${run.label})`, expression: [at] });
      } else if (items.length > kid.max) {
        run.issues.push({ severity: 'error', code: 'structure', diagnostics: `${at}: at most ${kid.max} allowed, found ${items.length} (${run.label})`, expression: [at] });
      }
      if (kid.slicing !== undefined && kid.slices.length > 0) {
        const assigned = assignSlices(kid, kid.slicing, items, at, this.sliceContext(run), run.issues, run.label);
        items.forEach((item, i) => this.walkItem(assigned[i] ?? kid, item, run));
      } else {
        for (const item of items) this.walkItem(kid, item, run);
      }
    }
  }
}
