import type { JsonObject } from '../../fhir/model/json-object.js';
import type { Permission, SearchRestriction } from '../scopes/smart-scope.js';
import { compartmentPatients, isPatientCompartmentType, referencedPatients } from './compartment.js';
import type { Principal } from './principal.js';
import { isSupportedRestriction, matchesRestrictions } from './restrictions.js';
import { roleAllows } from './roles.js';

/**
 * The access policy: principal × permission × resource type (and, for data,
 * the resource itself) → allowed or not. Pure: no HTTP, no database; the guard,
 * the Bundle processor and the search engine all ask it.
 */

/**
 * One way a principal may touch a type: confined to a patient's compartment
 * and/or to resources matching v2 scope restrictions. A decision holds several;
 * a resource passes when it satisfies any one (scopes add up).
 */
export interface AccessAlternative {
  /** Confine to this Patient's compartment. */
  readonly patient?: string;
  /** Every one must match (v2 scope search restrictions). */
  readonly restrictions: readonly SearchRestriction[];
}

export type AccessDecision =
  | { readonly allowed: false; readonly reason: string }
  | { readonly allowed: true; readonly alternatives: readonly AccessAlternative[] };

const WORDS: Readonly<Record<Permission, string>> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** Resource types the API never writes: the server alone records AuditEvents. */
const SERVER_WRITTEN: ReadonlySet<string> = new Set(['AuditEvent']);

function deny(reason: string): AccessDecision {
  return { allowed: false, reason };
}

/** Which alternatives, if any, the granted scopes give for this permission on this type. */
export function decide(p: Principal, permission: Permission, resourceType: string): AccessDecision {
  if (SERVER_WRITTEN.has(resourceType) && permission !== 'r' && permission !== 's') {
    return deny(`${resourceType} resources are written by the server only`);
  }
  const alternatives: AccessAlternative[] = [];
  for (const s of p.scopes) {
    if (!s.permissions.has(permission) || (s.resourceType !== '*' && s.resourceType !== resourceType)) continue;
    if (!s.restrictions.every((r) => isSupportedRestriction(resourceType, r))) continue;
    const restrictions = s.restrictions;
    if (s.context === 'system') {
      if (p.kind === 'system') alternatives.push({ restrictions });
      continue;
    }
    if (p.kind !== 'user' || p.role === undefined || !roleAllows(p.role, resourceType, permission)) continue;
    if (s.context === 'patient') {
      if (p.patient !== undefined) alternatives.push({ patient: p.patient, restrictions });
    } else if (p.role === 'patient') {
      if (p.ownPatient !== undefined) alternatives.push({ patient: p.ownPatient, restrictions });
    } else {
      alternatives.push({ restrictions });
    }
  }
  if (alternatives.length === 0) {
    const who = p.role === undefined ? '' : ` for the ${p.role} role`;
    return deny(`The granted scopes do not allow ${WORDS[permission]} on ${resourceType}${who}`);
  }
  return { allowed: true, alternatives };
}

/** True when a decision places no condition on the resources (no compartment, no restriction). */
export function isUnconstrained(d: AccessDecision): boolean {
  return d.allowed && d.alternatives.some((a) => a.patient === undefined && a.restrictions.length === 0);
}

/**
 * Whether reading this resource stays inside the alternative. Types outside the
 * Patient compartment (Practitioner, Medication, ...) are shared reference data:
 * readable unless they point at another patient.
 */
function readableIn(a: AccessAlternative, resource: JsonObject, baseUrl: string): boolean {
  if (a.patient !== undefined) {
    const type = String(resource['resourceType']);
    if (isPatientCompartmentType(type)) {
      if (!compartmentPatients(resource, baseUrl).has(a.patient)) return false;
    } else {
      for (const other of referencedPatients(resource, baseUrl)) if (other !== a.patient) return false;
    }
  }
  return a.restrictions.length === 0 || matchesRestrictions(resource, a.restrictions, baseUrl);
}

/** May this stored resource be disclosed (read, or returned by a search)? */
export function canRead(p: Principal, resource: JsonObject, baseUrl: string, permission: 'r' | 's' = 'r'): boolean {
  const type = resource['resourceType'];
  if (typeof type !== 'string') return false;
  const d = decide(p, permission, type);
  return d.allowed && d.alternatives.some((a) => readableIn(a, resource, baseUrl));
}

/** Whether a written (or removed) version stays inside the alternative: in the compartment, never outside it. */
function writableIn(a: AccessAlternative, resource: JsonObject, baseUrl: string): boolean {
  if (a.patient !== undefined) {
    const type = String(resource['resourceType']);
    if (!isPatientCompartmentType(type) || !compartmentPatients(resource, baseUrl).has(a.patient)) return false;
  }
  return a.restrictions.length === 0 || matchesRestrictions(resource, a.restrictions, baseUrl);
}

/**
 * May this write happen? Both the version replaced (or deleted) and the new
 * one must lie inside one alternative, so a patient app can neither take over
 * another patient's resource nor move its own out of reach.
 */
export function canWrite(
  p: Principal,
  permission: 'c' | 'u' | 'd',
  resourceType: string,
  previous: JsonObject | undefined,
  next: JsonObject | undefined,
  baseUrl: string,
): AccessDecision {
  const d = decide(p, permission, resourceType);
  if (!d.allowed) return d;
  const ok = d.alternatives.some(
    (a) => (previous === undefined || writableIn(a, previous, baseUrl)) && (next === undefined || writableIn(a, next, baseUrl)),
  );
  return ok ? d : deny(`This ${WORDS[permission]} of ${resourceType} is outside the data the granted scopes cover`);
}
