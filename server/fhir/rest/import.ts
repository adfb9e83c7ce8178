import { randomUUID } from 'node:crypto';
import { importOwner, importRefusal, principalJson } from '../../auth/policy/import-policy.js';
import { FhirError, invalid, notFound } from '../../errors/fhir-error.js';
import { informationOutcome } from '../../errors/outcome.js';
import { declaredLength, readJsonBody } from '../../http/body.js';
import { sendOutcome, sendResource } from '../../http/respond.js';
import type { AppContext, AppMiddleware } from '../../http/state.js';
import { bundleIntake, manifestIntake, ndjsonIntake, type IntakeAccess } from '../../import/import-intake.js';
import { isManifest } from '../../import/import-manifest.js';
import type { AllowList } from '../../import/source-allow-list.js';
import { totalsOf } from '../../import/import-totals.js';
import type { ImportJobStore } from '../../store/import-job-store.js';
import type { ImportFormat, ImportJob, NewImportJob } from '../../store/import-job-types.js';
import { Limiter } from '../bundle/limiter.js';
import { importSummary } from '../operations/import.js';

export interface ImportRouteDeps {
  readonly store: ImportJobStore;
  readonly baseUrl: string;
  readonly maxBytes: number;
  readonly chunkLines: number;
  /** MAX_BODY_BYTES: the longest NDJSON line (one resource) accepted. */
  readonly maxLineBytes: number;
  /** IMPORT_ALLOWED_SOURCES, parsed: where a manifest's files may be fetched from (none: manifests are refused). */
  readonly allowedSources: AllowList;
  readonly bundleMaxBytes: number;
  readonly bundleMaxEntries: number;
}

/**
 * Uploads received at once per process; more wait their turn, their bodies unread.
 * An NDJSON upload holds a database connection (its intake transaction) for as long
 * as the client takes to send it, so a few slow clients must not take the whole pool
 * (DB_POOL_SIZE, 10 by default) from the rest of the API.
 */
const UPLOADS_AT_ONCE = 2;

/** Failures listed in a status answer; the rest are counted (`failuresOmitted`). */
const LISTED_FAILURES = 1000;

const SUBMIT = '/fhir/$import';
const STATUS = '/fhir/$import-poll-status';

const NDJSON_TYPES = new Set(['application/fhir+ndjson', 'application/ndjson', 'application/x-ndjson']);
const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);

/** NDJSON, or JSON: a Bundle or a manifest, told apart once parsed (import-manifest.ts isManifest). */
function bodyFormat(contentType: string): 'ndjson' | 'json' {
  const t = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (NDJSON_TYPES.has(t)) return 'ndjson';
  if (JSON_TYPES.has(t)) return 'json';
  throw new FhirError('unsupportedMediaType', `Content-Type '${contentType}' is not supported by $import; send application/fhir+ndjson, or a Bundle or a manifest as application/fhir+json`);
}

/** async.html#3.1.6.1: the client asks for the asynchronous pattern with `Prefer: respond-async`. */
function wantsAsync(prefer: string): boolean {
  return prefer.split(/[,;]/).some((p) => p.trim().toLowerCase() === 'respond-async');
}

const statusUrl = (base: string, id: string): string => `${base}/$import-poll-status?job=${id}`;

/** The caller's job, or 404: someone else's job is answered as an unknown one, so ids cannot be probed. */
async function ownJob(ctx: AppContext, deps: ImportRouteDeps): Promise<ImportJob> {
  const id = typeof ctx.query['job'] === 'string' ? ctx.query['job'] : '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw invalid('job: the id of an $import job is required');
  const job = await deps.store.job(id);
  if (job === undefined || job.owner !== importOwner(ctx.state.access?.principal)) throw notFound(`No $import job ${id}`);
  return job;
}

/**
 * `POST [base]/$import` (kick-off, async.html): checks the headers, the size, the
 * caller (patient-confined tokens are refused) and every type in the body (or every
 * input type of a manifest, whose URLs must also pass IMPORT_ALLOWED_SOURCES) against
 * the caller's scopes, storing the job and its chunks in one transaction: anything
 * refused leaves nothing stored. Answers 202 with the status URL in Content-Location.
 * A manifest's files are fetched by the worker, never in the request.
 */
async function submit(ctx: AppContext, deps: ImportRouteDeps, uploads: Limiter): Promise<void> {
  if (!wantsAsync(ctx.get('prefer'))) throw invalid('$import runs asynchronously: send Prefer: respond-async (http://hl7.org/fhir/R4/async.html)');
  const format = bodyFormat(ctx.get('content-type'));
  const limit = format === 'ndjson' ? deps.maxBytes : Math.min(deps.maxBytes, deps.bundleMaxBytes);
  if ((declaredLength(ctx) ?? 0) > limit) throw new FhirError('tooLarge', `The import body is larger than the limit of ${String(limit)} bytes`);
  const access = ctx.state.access;
  const principal = access?.principal;
  const refusal = principal === undefined ? undefined : importRefusal(principal);
  if (refusal !== undefined) throw new FhirError('forbidden', refusal);
  const check: IntakeAccess = {
    type(t) {
      access?.authorize('c', t);
      access?.authorize('u', t);
    },
    entry: (method, url) => access?.authorizeEntry(method, url),
  };
  const id = randomUUID();
  const job = (f: ImportFormat): NewImportJob => ({ id, format: f, owner: importOwner(principal), principal: principal === undefined ? undefined : principalJson(principal), requestId: ctx.state.requestId });
  await uploads.run(async () => {
    if (format === 'ndjson') {
      await deps.store.intake(job('ndjson'), (sink) => ndjsonIntake(ctx.req, sink, check, { maxBytes: limit, chunkLines: deps.chunkLines, maxLineBytes: deps.maxLineBytes }));
      return;
    }
    // A Bundle is parsed whole anyway (as POST /fhir does), so it is read before the intake transaction starts.
    const body = await readJsonBody(ctx, limit);
    await (isManifest(body)
      ? deps.store.intake(job('manifest'), (_sink, inputs) => manifestIntake(body, inputs, check, deps.allowedSources))
      : deps.store.intake(job('bundle'), (sink) => bundleIntake(body, sink, check, deps.bundleMaxEntries)));
  });
  ctx.set('Content-Location', statusUrl(deps.baseUrl, id));
  sendOutcome(ctx, 202, informationOutcome(`$import job ${id} accepted; poll ${statusUrl(deps.baseUrl, id)}`));
}

/**
 * The X-Progress header (https://hl7.org/fhir/R4/async.html): chunks, and the
 * resources of the finished ones (loaded, skipped or failed) against the NDJSON lines
 * or Bundle entries received.
 */
function progress(job: ImportJob): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  // A manifest's files are counted as they are fetched: no total until then.
  const resources = job.format === 'manifest' ? `${n(job.resourcesDone)} resources so far` : `${n(job.resourcesDone)} of ${n(job.lines)} resources`;
  return `${job.state}: ${n(job.chunksDone)} of ${n(job.chunks)} chunks loaded, ${resources}`;
}

/** `GET` on the status URL: 202 + X-Progress while queued or running, 200 + summary when done or cancelled. */
async function poll(ctx: AppContext, deps: ImportRouteDeps): Promise<void> {
  const job = await ownJob(ctx, deps);
  if (job.state === 'queued' || job.state === 'running') {
    ctx.set('X-Progress', progress(job));
    ctx.set('Retry-After', '1');
    ctx.status = 202;
    ctx.body = ''; // async.html: the progress is in the header; Koa would otherwise send "Accepted"
    return;
  }
  const totals = totalsOf(await deps.store.results(job.id), LISTED_FAILURES);
  sendResource(ctx, 200, importSummary(job, totals, statusUrl(deps.baseUrl, job.id)), { pretty: false, summary: undefined, elements: undefined });
}

/**
 * `DELETE` on the status URL (async.html): cancels a job that has not finished (202;
 * a chunk being loaded completes, nothing after it starts), or forgets a finished
 * one and its report (202, as Bulk Data's status DELETE does); polling it is 404 then.
 */
async function cancel(ctx: AppContext, deps: ImportRouteDeps): Promise<void> {
  const job = await ownJob(ctx, deps);
  if (await deps.store.cancel(job.id)) {
    sendOutcome(ctx, 202, informationOutcome(`$import job ${job.id} cancelled`));
    return;
  }
  await deps.store.remove(job.id);
  sendOutcome(ctx, 202, informationOutcome(`$import job ${job.id} had finished; its report is deleted`));
}

/** The `$import` endpoints, answered before the operation dispatcher (see fhir/operations/import.ts). */
export function importRoutes(deps: ImportRouteDeps): AppMiddleware {
  const uploads = new Limiter(UPLOADS_AT_ONCE);
  return async function importEndpoints(ctx, next) {
    if (ctx.path === SUBMIT) {
      ctx.state.interaction = 'operation:import';
      if (ctx.method !== 'POST') throw new FhirError('methodNotAllowed', '$import must be invoked with POST', { headers: { Allow: 'POST' } });
      await submit(ctx, deps, uploads);
    } else if (ctx.path === STATUS) {
      ctx.state.interaction = 'operation:import-poll-status';
      if (ctx.method === 'GET') await poll(ctx, deps);
      else if (ctx.method === 'DELETE') await cancel(ctx, deps);
      else throw new FhirError('methodNotAllowed', 'The $import status URL takes GET and DELETE', { headers: { Allow: 'GET, DELETE' } });
    } else {
      await next();
    }
  };
}
