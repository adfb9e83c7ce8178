import { isResourceType } from '../../fhir/model/resource-types.js';

/**
 * SMART clinical scopes, v1 and v2
 * (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-clinical-data).
 * Pure: no I/O, no HTTP.
 */
export type ScopeContext = 'patient' | 'user' | 'system';

/** v2 permissions, in their required order `c r u d s`. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
export const PERMISSION_ORDER: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

/** One `name=value` of a v2 scope's query suffix (e.g. `category=...|laboratory`). */
export interface SearchRestriction {
  readonly name: string;
  readonly value: string;
}

export interface ResourceScope {
  /** The scope as the client wrote it. */
  readonly raw: string;
  readonly context: ScopeContext;
  /** A resource type, or `*` for all. */
  readonly resourceType: string;
  readonly permissions: ReadonlySet<Permission>;
  /** v2 search restrictions, all of which a resource must satisfy; empty when none. */
  readonly restrictions: readonly SearchRestriction[];
  readonly version: 1 | 2;
}

/** scopes-and-launch-context.html: v1 `.read` ⇒ `.rs`, `.write` ⇒ `.cud`, `.*` ⇒ `.cruds`. */
const V1: Readonly<Record<string, readonly Permission[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

const SCOPE = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(?:\?(.*))?$/;

/** `cruds` subsets in order; `.dus` and the like are undefined and refused (spec: MAY be rejected). */
function v2Permissions(text: string): Permission[] | undefined {
  let next = 0;
  const out: Permission[] = [];
  for (const ch of text) {
    const at = PERMISSION_ORDER.indexOf(ch as Permission, next);
    if (at < 0) return undefined;
    out.push(PERMISSION_ORDER[at] as Permission);
    next = at + 1;
  }
  return out.length === 0 ? undefined : out;
}

function parseRestrictions(query: string): SearchRestriction[] | undefined {
  if (query === '') return undefined;
  const out: SearchRestriction[] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return undefined;
    try {
      out.push({ name: decodeURIComponent(part.slice(0, eq)), value: decodeURIComponent(part.slice(eq + 1)) });
    } catch {
      return undefined;
    }
  }
  return out;
}

/** Parses one clinical scope; undefined when it is not one (or is malformed). */
export function parseResourceScope(raw: string): ResourceScope | undefined {
  const m = SCOPE.exec(raw);
  if (m === null) return undefined;
  const [, context, resourceType = '', perms = '', query] = m;
  if (resourceType !== '*' && !isResourceType(resourceType)) return undefined;
  const v1 = V1[perms];
  if (v1 !== undefined) {
    if (query !== undefined) return undefined; // restrictions are a v2 feature
    return { raw, context: context as ScopeContext, resourceType, permissions: new Set(v1), restrictions: [], version: 1 };
  }
  const permissions = v2Permissions(perms);
  if (permissions === undefined) return undefined;
  const restrictions = query === undefined ? [] : parseRestrictions(query);
  if (restrictions === undefined) return undefined;
  return { raw, context: context as ScopeContext, resourceType, permissions: new Set(permissions), restrictions, version: 2 };
}

/** Splits a space-separated scope string, dropping empties and duplicates. */
export function scopeList(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter((s) => s !== ''))];
}

/** The clinical scopes of a scope string (others, such as `openid` or `launch`, are skipped). */
export function resourceScopes(scope: string | undefined): ResourceScope[] {
  const out: ResourceScope[] = [];
  for (const s of scopeList(scope)) {
    const parsed = parseResourceScope(s);
    if (parsed !== undefined) out.push(parsed);
  }
  return out;
}

function sameRestrictions(a: readonly SearchRestriction[], b: readonly SearchRestriction[]): boolean {
  return a.every((x) => b.some((y) => y.name === x.name && y.value === x.value));
}

/**
 * Whether a registered (allowed) scope covers a requested one: same context,
 * same or wildcard type, permissions a subset, and the request at least as
 * narrow (it carries every restriction the allowed scope has).
 */
export function scopeCovers(allowed: ResourceScope, requested: ResourceScope): boolean {
  if (allowed.context !== requested.context) return false;
  if (allowed.resourceType !== '*' && allowed.resourceType !== requested.resourceType) return false;
  for (const p of requested.permissions) if (!allowed.permissions.has(p)) return false;
  return sameRestrictions(allowed.restrictions, requested.restrictions);
}

/** The v2 short form of a scope's permissions, e.g. `rs`. */
export function permissionText(permissions: ReadonlySet<Permission>): string {
  return PERMISSION_ORDER.filter((p) => permissions.has(p)).join('');
}
