import type { ParameterizedContext } from 'koa';
import getRawBody from 'raw-body';
import type { AuditWriter } from '../../audit/audit-writer.js';
import type { Repository } from '../../fhir/repository/repository.js';
import type { TokenVerifier } from '../guard/token-verifier.js';
import { patientExists } from './patients.js';
import type { LaunchContext, SmartContextStore } from './smart-context.js';

/**
 * The EHR side of an EHR launch (app-launch.html#launch-app-ehr-launch):
 * `POST /auth/launch` with a staff user's or a backend client's bearer token
 * and `{ "patient": "123", "encounter": "456", "fhirContext": ["DiagnosticReport/7"],
 * "need_patient_banner": false, "smart_style_url": "...", "intent": "..." }`
 * answers `{ "launch": "<opaque>", "expires_in": 3600 }`. The EHR then opens
 * the app at `{launch_uri}?iss={FHIR base}&launch=<opaque>`; the app's
 * authorization request carries it back and the token response returns the
 * context. Patients cannot mint launches.
 */
export interface LaunchApiDeps {
  readonly verifier: TokenVerifier;
  readonly contexts: SmartContextStore;
  readonly repository: Repository;
  readonly audit: AuditWriter;
  readonly ttlSeconds: number;
}

const REF = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

function send(ctx: ParameterizedContext, status: number, body: Record<string, unknown>): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

function parseContext(body: unknown): LaunchContext | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const b = body as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof b['patient'] !== 'string' || !ID.test(b['patient'])) return 'patient (a Patient id) is required';
  out['patient'] = b['patient'];
  if (b['encounter'] !== undefined) {
    if (typeof b['encounter'] !== 'string' || !ID.test(b['encounter'])) return 'encounter must be an Encounter id';
    out['encounter'] = b['encounter'];
  }
  if (b['fhirContext'] !== undefined) {
    const refs = b['fhirContext'];
    if (!Array.isArray(refs) || !refs.every((r) => typeof r === 'string' && REF.test(r) && !/^(Patient|Encounter)\//.test(r))) {
      return 'fhirContext must be relative references (Type/id) other than Patient and Encounter';
    }
    out['fhirContext'] = refs;
  }
  if (b['need_patient_banner'] !== undefined) {
    if (typeof b['need_patient_banner'] !== 'boolean') return 'need_patient_banner must be true or false';
    out['need_patient_banner'] = b['need_patient_banner'];
  }
  for (const k of ['smart_style_url', 'intent'] as const) {
    if (b[k] !== undefined) {
      if (typeof b[k] !== 'string') return `${k} must be a string`;
      out[k] = b[k];
    }
  }
  return out;
}

export function launchApi(deps: LaunchApiDeps) {
  return async function createLaunch(ctx: ParameterizedContext): Promise<void> {
    const m = /^Bearer +([^ ]+) *$/i.exec(ctx.get('authorization'));
    const principal = m?.[1] === undefined ? undefined : await deps.verifier.verify(m[1]);
    if (principal === undefined) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      send(ctx, 401, { error: 'invalid_token', error_description: 'a valid access token of a staff user or backend client is required' });
      return;
    }
    if (principal.kind === 'user' && (principal.role === undefined || principal.role === 'patient')) {
      send(ctx, 403, { error: 'insufficient_scope', error_description: 'only staff users and backend clients may create EHR launches' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await getRawBody(ctx.req, { limit: 16 * 1024, encoding: 'utf8' }));
    } catch {
      send(ctx, 400, { error: 'invalid_request', error_description: 'the body must be JSON (at most 16 KiB)' });
      return;
    }
    const context = parseContext(body);
    if (typeof context === 'string') {
      send(ctx, 400, { error: 'invalid_request', error_description: context });
      return;
    }
    if (context.patient === undefined || !(await patientExists(deps.repository, context.patient))) {
      send(ctx, 400, { error: 'invalid_request', error_description: 'no such patient' });
      return;
    }
    const launch = await deps.contexts.createLaunch(context, deps.ttlSeconds);
    await deps.audit.record({
      kind: 'launch',
      recorded: new Date().toISOString(),
      action: 'C',
      outcome: '0',
      agent: {
        kind: principal.kind,
        clientId: principal.clientId,
        ...(principal.subject === undefined ? {} : { userId: principal.subject }),
        ...(principal.username === undefined ? {} : { username: principal.username }),
        tokenHash: principal.tokenHash,
        address: ctx.ip,
      },
      resources: [],
      patients: [context.patient],
    });
    send(ctx, 201, { launch, expires_in: deps.ttlSeconds });
  };
}
