import type { OperationOutcome } from 'fhir/r4.js';
import type { Issue } from './issue.js';

/** Builds an OperationOutcome from issues (https://hl7.org/fhir/R4/operationoutcome.html). */
export function toOperationOutcome(issues: readonly Issue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity,
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression === undefined ? {} : { expression: [...i.expression] }),
    })),
  };
}

/** An informational outcome, used for `Prefer: return=OperationOutcome` and deletes. */
export function informationOutcome(message: string): OperationOutcome {
  return toOperationOutcome([{ severity: 'information', code: 'informational', diagnostics: message }]);
}
