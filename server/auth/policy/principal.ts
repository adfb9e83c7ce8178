import type { ResourceScope } from '../scopes/smart-scope.js';
import { isRole, type Role } from './roles.js';

/**
 * Who is asking, as the bearer token says: a user acting through an app
 * (SMART App Launch) or a backend client acting for itself (Backend Services).
 */
export interface Principal {
  readonly kind: 'user' | 'system';
  readonly clientId: string;
  /** Account id (the token's `sub`) for users. */
  readonly subject?: string;
  readonly username?: string;
  readonly role?: Role;
  /** The user's FHIR resource, relative (`Practitioner/123`). */
  readonly fhirUser?: string;
  /** Patient in launch context: `patient/` scopes are confined to its compartment. */
  readonly patient?: string;
  /** For the `patient` role: the user's own Patient, to which `user/` scopes are confined too. */
  readonly ownPatient?: string;
  readonly encounter?: string;
  /** Granted clinical scopes. */
  readonly scopes: readonly ResourceScope[];
  /** Grant the token belongs to (for revocation and audit). */
  readonly grantId?: string;
  /** A hash of the token (never the token itself), for the audit trail. */
  readonly tokenHash: string;
  /** Expiry, epoch seconds. */
  readonly expiresAt: number;
}

/** The optional user fields of a Principal, as read from a token or a stored grant (each may be missing). */
export interface PrincipalDetailsInput {
  readonly subject: unknown;
  readonly username: unknown;
  readonly role: unknown;
  readonly fhirUser: unknown;
  readonly patient: unknown;
  readonly ownPatient: unknown;
  readonly encounter: unknown;
  readonly grantId: unknown;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Those fields that are strings (and a role that is one of ours), ready to spread into a Principal. */
export function principalDetails(f: PrincipalDetailsInput): Partial<Principal> {
  const role = text(f.role);
  const fields = {
    subject: text(f.subject),
    username: text(f.username),
    role: role !== undefined && isRole(role) ? role : undefined,
    fhirUser: text(f.fhirUser),
    patient: text(f.patient),
    ownPatient: text(f.ownPatient),
    encounter: text(f.encounter),
    grantId: text(f.grantId),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
