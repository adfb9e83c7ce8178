import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { FhirError, type ErrorKind } from '../errors/fhir-error.js';
import { bytesUpTo } from './bytes-up-to.js';
import { isAllowedSource, type AllowList } from './source-allow-list.js';

/**
 * GET of one file of an `$import` manifest, with the SSRF and resource limits the
 * feature needs: every URL (the input's and each redirect's) must lie under
 * IMPORT_ALLOWED_SOURCES, at most MAX_REDIRECTS hops, the whole transfer within
 * `timeoutMs`, at most `maxBytes` bytes. Messages name the origin only, never the
 * path or query (signed URLs carry tokens there); the summary has the input's URL.
 */
export interface SourceLimits {
  readonly allow: AllowList;
  /** IMPORT_MAX_BYTES: largest file. */
  readonly maxBytes: number;
  /** IMPORT_FETCH_TIMEOUT_MS: the whole transfer, headers and body. */
  readonly timeoutMs: number;
}

/**
 * A file that could not be fetched; `transient` ones (network errors, 5xx, 429) are
 * tried again (CHUNK_ATTEMPTS), after `retryAfterMs` when the server said when.
 */
export class SourceError extends FhirError {
  constructor(
    kind: ErrorKind,
    message: string,
    readonly transient = false,
    readonly retryAfterMs?: number,
  ) {
    super(kind, message);
    this.name = 'SourceError';
  }
}

/** The longest Retry-After honoured; a server asking for more is tried again after this. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Retry-After (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after): seconds, or an
 * HTTP date; undefined when absent or unreadable. Capped at MAX_RETRY_AFTER_MS.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  // An HTTP date names its day or month; Date.parse alone would also take '-5' or '2026'.
  const ms = /^\d{1,10}$/.test(text) ? Number(text) * 1000 : /[A-Za-z]{3}/.test(text) ? Date.parse(text) - now : Number.NaN;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/** Redirects followed (each one checked against the allow-list); a file server needs one or two. */
export const MAX_REDIRECTS = 3;

/** What a file server may call NDJSON: none, the NDJSON types, or the generic ones (S3 and nginx serve .ndjson as those). */
const NDJSON_TYPES = new Set(['', 'application/fhir+ndjson', 'application/ndjson', 'application/x-ndjson', 'application/octet-stream', 'text/plain']);

function statusError(response: Response, origin: string): SourceError {
  const { status } = response;
  const message = `GET on ${origin} answered ${String(status)}`;
  if (status === 404 || status === 410) return new SourceError('notFound', message);
  if (status === 401 || status === 403) return new SourceError('forbidden', message);
  if (status === 429 || status >= 500) return new SourceError('busy', message, true, retryAfterMs(response.headers.get('retry-after')));
  return new SourceError('invalid', message);
}

/** Network failures are transient; a timeout is not (a slow file fails its input, not the queue). */
function networkError(err: unknown, origin: string, signal: AbortSignal, timeoutMs: number): SourceError {
  if (err instanceof SourceError) return err;
  if (signal.aborted) return new SourceError('timeout', `the file on ${origin} was not received within ${String(timeoutMs)} ms (IMPORT_FETCH_TIMEOUT_MS)`);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : 'unknown error';
  return new SourceError('busy', `GET on ${origin} failed: ${cause}`, true);
}

/** The response to GET `url`, after the redirects the allow-list admits. */
async function follow(url: string, limits: SourceLimits, signal: AbortSignal): Promise<{ response: Response; origin: string }> {
  let target = new URL(url);
  for (let hop = 0; ; hop += 1) {
    if (!isAllowedSource(target, limits.allow)) throw new SourceError('forbidden', `redirected to ${target.origin}, which is not under a prefix of IMPORT_ALLOWED_SOURCES`);
    // redirect: 'manual', so each hop's target is checked before anything is sent to it.
    const response = await fetch(target, { redirect: 'manual', signal, headers: { accept: 'application/fhir+ndjson' } });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return { response, origin: target.origin };
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new SourceError('invalid', `more than ${String(MAX_REDIRECTS)} redirects from ${new URL(url).origin}`);
    target = new URL(location, target);
  }
}

/**
 * Opens the file at `url` and yields its bytes. Throws SourceError when it may not
 * or cannot be fetched, is not NDJSON or is too large, also part-way through.
 */
export async function* fetchSource(url: string, limits: SourceLimits): AsyncGenerator<Buffer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let origin = new URL(url).origin;
  try {
    const { response, origin: at } = await follow(url, limits, signal);
    origin = at;
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw statusError(response, origin);
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const length = Number(response.headers.get('content-length') ?? '0');
    if (!NDJSON_TYPES.has(type) || length > limits.maxBytes) {
      await response.body.cancel();
      throw NDJSON_TYPES.has(type)
        ? new SourceError('tooLarge', `the file on ${origin} is ${String(length)} bytes, more than ${String(limits.maxBytes)} (IMPORT_MAX_BYTES)`)
        : new SourceError('unsupportedMediaType', `the file on ${origin} is ${type}, not NDJSON (application/fhir+ndjson)`);
    }
    yield* bytesUpTo(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), limits.maxBytes, () => new SourceError('tooLarge', `the file on ${origin} is larger than ${String(limits.maxBytes)} bytes (IMPORT_MAX_BYTES)`));
  } catch (err) {
    throw networkError(err, origin, signal, limits.timeoutMs);
  }
}
