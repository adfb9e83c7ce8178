/**
 * What the request path records about one security-relevant event: small,
 * written to the outbox (in the write's transaction, or group-committed for
 * reads), and turned into an AuditEvent resource later by the audit worker.
 * It holds references and ids, never resource content, passwords or tokens.
 */
export type AuditKind = 'rest' | 'operation' | 'login' | 'token-issued' | 'token-revoked' | 'launch';

/** AuditEvent.action (http://hl7.org/fhir/audit-event-action). */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** AuditEvent.outcome (http://hl7.org/fhir/audit-event-outcome): success, minor, serious, major failure. */
export type AuditOutcome = '0' | '4' | '8' | '12';

export interface AuditAgent {
  readonly kind: 'user' | 'system' | 'anonymous';
  readonly clientId?: string;
  readonly userId?: string;
  readonly username?: string;
  /** Relative FHIR reference of the user (`Practitioner/1`). */
  readonly fhirUser?: string;
  readonly role?: string;
  /** Hash of the access token, never the token. */
  readonly tokenHash?: string;
  readonly address?: string;
}

export interface AuditRecord {
  readonly kind: AuditKind;
  /** ISO instant of the event. */
  readonly recorded: string;
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** FHIR restful interaction code (http://hl7.org/fhir/restful-interaction), or `$op` for operations. */
  readonly interaction?: string;
  readonly agent: AuditAgent;
  /** Resources touched, `Type/id` or `Type/id/_history/n`. */
  readonly resources: readonly string[];
  /** Patients whose data was read or written (ids). */
  readonly patients: readonly string[];
  /** The search query string, for searches (kept only inside the AuditEvent, never logged). */
  readonly query?: string;
  readonly requestId?: string;
  /** Why it failed (no PHI). */
  readonly description?: string;
}

/** The outbox topic audit records travel on. */
export const AUDIT_TOPIC = 'audit';

/** How many patients / resources one AuditEvent lists at most (a search page can return thousands). */
export const AUDIT_LIST_LIMIT = 1000;
