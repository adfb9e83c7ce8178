import { randomUUID } from 'node:crypto';

/** https://hl7.org/fhir/R4/datatypes.html#id */
const ID_RULE = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_RULE.test(id);
}

/** Server-assigned logical ids are UUIDs (they satisfy the id rule). */
export function newId(): string {
  return randomUUID();
}
