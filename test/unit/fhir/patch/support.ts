import { expect } from 'chai';
import { FhirError } from '../../../../server/errors/fhir-error.js';

/** Freezes `value` and everything inside it, so any mutation throws (ESM is strict). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Runs `fn`, expecting a FhirError with `status`; returns it for further checks. */
export function expectFhirError(fn: () => unknown, status: 400 | 422, diagnostics?: RegExp): FhirError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a FhirError').to.be.instanceOf(FhirError);
  const error = caught as FhirError;
  expect(error.status, error.message).to.equal(status);
  expect(error.issues[0]?.code).to.equal(status === 400 ? 'invalid' : 'processing');
  if (diagnostics !== undefined) expect(error.issues[0]?.diagnostics).to.match(diagnostics);
  return error;
}

type Part = Readonly<Record<string, unknown>>;

/** One `operation` parameter of a FHIRPath Patch. */
export const operation = (...parts: readonly Part[]): Part => ({ name: 'operation', part: parts });

/** A FHIRPath Patch Parameters resource. */
export const fhirPatch = (...operations: readonly Part[]): Part => ({ resourceType: 'Parameters', parameter: operations });

export const add = (path: string, name: string, value: Part): Part =>
  operation({ name: 'type', valueCode: 'add' }, { name: 'path', valueString: path }, { name: 'name', valueString: name }, { name: 'value', ...value });
export const insert = (path: string, index: number, value: Part): Part =>
  operation({ name: 'type', valueCode: 'insert' }, { name: 'path', valueString: path }, { name: 'index', valueInteger: index }, { name: 'value', ...value });
export const del = (path: string): Part => operation({ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: path });
export const replace = (path: string, value: Part): Part =>
  operation({ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: path }, { name: 'value', ...value });
export const move = (path: string, source: number, destination: number): Part =>
  operation(
    { name: 'type', valueCode: 'move' },
    { name: 'path', valueString: path },
    { name: 'source', valueInteger: source },
    { name: 'destination', valueInteger: destination },
  );
