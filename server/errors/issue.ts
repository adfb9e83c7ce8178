/**
 * OperationOutcome issue vocabulary (R4 valueset-issue-type / issue-severity).
 * https://hl7.org/fhir/R4/valueset-issue-type.html
 */
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export type IssueType =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'security'
  | 'login'
  | 'unknown'
  | 'expired'
  | 'forbidden'
  | 'suppressed'
  | 'processing'
  | 'not-supported'
  | 'duplicate'
  | 'multiple-matches'
  | 'not-found'
  | 'deleted'
  | 'too-long'
  | 'code-invalid'
  | 'extension'
  | 'too-costly'
  | 'business-rule'
  | 'conflict'
  | 'transient'
  | 'lock-error'
  | 'no-store'
  | 'exception'
  | 'timeout'
  | 'incomplete'
  | 'throttled'
  | 'informational';

/** One problem found while handling a request; becomes one OperationOutcome.issue. */
export interface Issue {
  readonly severity: IssueSeverity;
  readonly code: IssueType;
  readonly diagnostics: string;
  /** FHIRPath locations of the problem, e.g. `Patient.name[0].given[1]`. */
  readonly expression?: readonly string[];
}
