import { isJsonObject } from '../../fhir/model/json-object.js';
import { resourceScopes } from '../scopes/smart-scope.js';
import { principalDetails, type Principal } from './principal.js';

/**
 * Who may use the asynchronous `$import` (issue #4), and how a job keeps its
 * submitter. Pure: no HTTP, no database.
 *
 * A job's writes are checked later, in the background, against the grant it was
 * submitted with; what can be checked up front is the permission per type (the
 * intake asks `c` and `u` for every type in the body). Patient-compartment checks
 * need each resource as stored, so tokens confined to a patient (`patient/` scopes,
 * patient users) may not submit at all: they write through `POST /fhir`.
 */
export function importRefusal(p: Principal): string | undefined {
  if (p.patient !== undefined || p.ownPatient !== undefined || p.role === 'patient' || p.scopes.some((s) => s.context === 'patient')) {
    return '$import is not available to tokens confined to a patient (patient/ scopes or a patient user): the compartment of each resource cannot be checked when the job is submitted';
  }
  return undefined;
}

/** Who may poll and cancel a job: the same client, and for users the same user. */
export function importOwner(p: Principal | undefined): string {
  if (p === undefined) return 'anonymous';
  return p.kind === 'system' ? `client:${p.clientId}` : `user:${p.clientId}:${p.subject ?? ''}`;
}

/** The principal as stored with a job: its scopes as strings, the token's hash (never the token). */
export function principalJson(p: Principal): Record<string, unknown> {
  return { ...p, scopes: p.scopes.map((s) => s.raw) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The principal a job was submitted with; undefined when the stored form is not one. */
export function principalFromJson(raw: unknown): Principal | undefined {
  if (!isJsonObject(raw) || !Array.isArray(raw['scopes'])) return undefined;
  const kind = raw['kind'];
  const clientId = str(raw['clientId']);
  const tokenHash = str(raw['tokenHash']);
  const expiresAt = raw['expiresAt'];
  if ((kind !== 'user' && kind !== 'system') || clientId === undefined || tokenHash === undefined || typeof expiresAt !== 'number') return undefined;
  const defined = principalDetails({
    subject: raw['subject'],
    username: raw['username'],
    role: raw['role'],
    fhirUser: raw['fhirUser'],
    patient: raw['patient'],
    ownPatient: raw['ownPatient'],
    encounter: raw['encounter'],
    grantId: raw['grantId'],
  });
  const scopes = resourceScopes(raw['scopes'].filter((s): s is string => typeof s === 'string').join(' '));
  return { kind, clientId, tokenHash, expiresAt, scopes, ...defined };
}
