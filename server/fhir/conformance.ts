import type { CapabilityStatement } from 'fhir/r4.js';
import { smartRestSecurity } from '../auth/oidc/well-known.js';
import { softwareInfo } from '../software.js';
import { buildCapabilityStatement } from './capability-statement.js';
import { OPERATIONS } from './operations/registry.js';
import { ROUTES } from './rest/routes.js';

/** The base URL written into the committed statement (conformance/capability-statement.json). */
export const COMMITTED_BASE_URL = 'http://127.0.0.1:8080/fhir';

/** The statement as committed (the default AUTH_MODE=smart), for the generator script and the diff test. */
export function committedCapabilityStatement(): CapabilityStatement {
  const issuer = `${new URL(COMMITTED_BASE_URL).origin}/auth`;
  return buildCapabilityStatement(ROUTES, OPERATIONS, COMMITTED_BASE_URL, softwareInfo(), smartRestSecurity(issuer));
}
