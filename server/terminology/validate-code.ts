import type { JsonObject } from '../fhir/model/json-object.js';
import type { CodeSystemIndex } from './code-system.js';
import type { TerminologyService } from './terminology-service.js';

/**
 * $validate-code on a ValueSet (https://hl7.org/fhir/R4/valueset-operation-validate-code.html)
 * and on a CodeSystem (https://hl7.org/fhir/R4/codesystem-operation-validate-code.html).
 * A CodeableConcept is valid when one of its codings is. When the code's system is not held,
 * the answer is false with a message saying the code could not be checked (as HL7's own
 * terminology server answers); the write path turns the same case into a warning.
 */

export interface CodedInput {
  readonly system?: string;
  readonly version?: string;
  readonly code: string;
  readonly display?: string;
}

export interface ValidateCodeResult {
  readonly result: boolean;
  readonly message?: string;
  readonly display?: string;
}

function displayMatches(expected: string | undefined, given: string | undefined, others: readonly string[]): boolean {
  if (given === undefined || expected === undefined) return true;
  const g = given.trim().toLowerCase();
  return [expected, ...others].some((d) => d.trim().toLowerCase() === g);
}

function oneInValueSet(svc: TerminologyService, vs: string | JsonObject, c: CodedInput, abstractAllowed: boolean): ValidateCodeResult {
  const m = svc.memberOf(vs, c.system, c.code, abstractAllowed);
  switch (m.kind) {
    case 'member': {
      const designations = c.system === undefined ? [] : (svc.codeSystem(c.system)?.get(c.code)?.designations.map((d) => d.value) ?? []);
      if (!displayMatches(m.display, c.display, designations)) {
        return { result: false, message: `The display '${c.display ?? ''}' is not a display of ${c.system ?? ''}#${c.code} (expected '${m.display ?? ''}')`, ...(m.display === undefined ? {} : { display: m.display }) };
      }
      return { result: true, ...(m.display === undefined ? {} : { display: m.display }) };
    }
    case 'not-member':
      return { result: false, message: m.reason };
    case 'unknown':
      return { result: false, message: `The code could not be validated: ${m.reason}` };
  }
}

/** Valid when any of the codings is in the value set; messages of the failures otherwise. */
export function validateInValueSet(svc: TerminologyService, vs: string | JsonObject, codings: readonly CodedInput[], abstractAllowed = false): ValidateCodeResult {
  const failures: string[] = [];
  for (const c of codings) {
    const r = oneInValueSet(svc, vs, c, abstractAllowed);
    if (r.result) return r;
    if (r.message !== undefined) failures.push(r.message);
  }
  return { result: false, message: failures.length > 0 ? failures.join('; ') : 'No code was given' };
}

/** Valid when a coding of this code system names one of its concepts. */
export function validateInCodeSystem(cs: CodeSystemIndex, codings: readonly CodedInput[], abstractAllowed = true): ValidateCodeResult {
  const failures: string[] = [];
  for (const c of codings) {
    if (c.system !== undefined && c.system !== cs.url) {
      failures.push(`The system ${c.system} is not the code system ${cs.url}`);
      continue;
    }
    const concept = cs.get(c.code);
    if (concept === undefined) {
      failures.push(cs.content === 'complete' ? `Unknown code '${c.code}' in the code system ${cs.url}` : `The code '${c.code}' is not in the part of ${cs.url} this server holds (${cs.content})`);
      continue;
    }
    if (concept.abstract && !abstractAllowed) {
      failures.push(`The code '${c.code}' is abstract`);
      continue;
    }
    const display = concept.display;
    if (!displayMatches(display, c.display, concept.designations.map((d) => d.value))) {
      return { result: false, message: `The display '${c.display ?? ''}' is not a display of ${cs.url}#${concept.code} (expected '${display ?? ''}')`, ...(display === undefined ? {} : { display }) };
    }
    return { result: true, ...(display === undefined ? {} : { display }) };
  }
  return { result: false, message: failures.length > 0 ? failures.join('; ') : 'No code was given' };
}
