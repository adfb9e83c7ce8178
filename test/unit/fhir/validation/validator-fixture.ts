import type { Issue } from '../../../../server/errors/issue.js';
import { createValidator, type Validator } from '../../../../server/fhir/validation/index.js';

let shared: Validator | undefined;

/** One validator for all validation specs: building it takes ~2 s. */
export function validator(): Validator {
  shared ??= createValidator();
  return shared;
}

export function validate(resource: unknown): Issue[] {
  return validator().validate(resource);
}

export function errorsOf(resource: unknown): Issue[] {
  return validate(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** `code @ expression` pairs, easy to compare and to read in a failure message. */
export function summary(issues: readonly Issue[]): string[] {
  return issues.map((i) => `${i.code} @ ${(i.expression ?? []).join(' + ')}`);
}
