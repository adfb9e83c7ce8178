import { FhirError, invalid } from '../errors/fhir-error.js';
import { isJsonObject, type JsonObject } from '../fhir/model/json-object.js';
import type { ChunkSink, InputSink } from '../store/import-job-types.js';
import { checkSources, parseManifest } from './import-manifest.js';
import { LineTooLong, numberedLines, parseNdjsonLine } from './ndjson.js';
import type { AllowList } from './source-allow-list.js';
import { bytesUpTo } from './bytes-up-to.js';

/**
 * The submitter's permissions, checked at intake so a refused body is not stored at
 * all (403 for the whole request). The worker checks every entry and write again
 * when it runs them.
 */
export interface IntakeAccess {
  /** Throws 403 unless the caller may create and update this type. */
  type(resourceType: string): void;
  /** Throws 403 unless the caller may run this Bundle entry (its method and URL). */
  entry(method: string, url: string): void;
}

export interface IntakeLimits {
  /** Largest body (IMPORT_MAX_BYTES); over it, 413. */
  readonly maxBytes: number;
  /** NDJSON lines per chunk (each chunk one transaction). */
  readonly chunkLines: number;
  /** Longest line (MAX_BODY_BYTES, the largest resource the API takes); over it, 413. */
  readonly maxLineBytes: number;
}

/**
 * A chunk is also closed once it holds this much text, whatever its line count: it
 * is loaded as one Bundle, and 500 lines of several megabytes each would not fit in
 * the loading process's memory.
 */
export const CHUNK_MAX_BYTES = 16 * 1024 * 1024;

const tooLarge = (max: number): FhirError =>
  new FhirError('tooLarge', `The import body is larger than the limit of ${String(max)} bytes (IMPORT_MAX_BYTES)`);

/** A line over MAX_BODY_BYTES refuses the whole body (413), like a body over IMPORT_MAX_BYTES. */
async function* lineErrorsAsTooLarge<T>(lines: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* lines;
  } catch (err) {
    if (err instanceof LineTooLong) throw new FhirError('tooLarge', `NDJSON ${err.message} (MAX_BODY_BYTES, the largest resource accepted)`);
    throw err;
  }
}

/**
 * NDJSON (https://hl7.org/fhir/R4/nd-json.html) from a stream into chunks of
 * `chunkLines` resource lines (or CHUNK_MAX_BYTES of text), never the whole body in memory. Each line's type is
 * authorized; lines that are not JSON or not resources are stored as they are and
 * reported, by line number, when the job runs (the rest still loads). Returns the
 * number of lines; a body without any resource line is 400.
 */
export async function ndjsonIntake(input: AsyncIterable<Buffer | string>, sink: ChunkSink, access: IntakeAccess, limits: IntakeLimits): Promise<number> {
  const allowed = new Set<string>();
  let lines: string[] = [];
  let firstLine = 1;
  let pending = 0;
  let last = 0;
  let resources = 0;
  let bytes = 0;
  const numbered = numberedLines(bytesUpTo(input, limits.maxBytes, () => tooLarge(limits.maxBytes)), limits.maxLineBytes);
  for await (const { line, text } of lineErrorsAsTooLarge(numbered)) {
    last = line;
    if (lines.length === 0) firstLine = line;
    lines.push(text);
    bytes += text.length + 1;
    if (text.trim() === '') continue;
    const parsed = parseNdjsonLine(text, line);
    if ('resource' in parsed) {
      resources += 1;
      const type = parsed.resource.resourceType;
      if (!allowed.has(type)) {
        access.type(type);
        allowed.add(type);
      }
    }
    pending += 1;
    if (pending >= limits.chunkLines || bytes >= CHUNK_MAX_BYTES) {
      await sink(firstLine, lines.join('\n'));
      lines = [];
      pending = 0;
      bytes = 0;
    }
  }
  if (pending > 0) await sink(firstLine, lines.join('\n'));
  if (resources === 0) throw invalid('The import body has no NDJSON line holding a FHIR resource');
  return last;
}

/**
 * A Bundle of type batch or transaction (as `POST [base]` takes,
 * http.html#transaction), parsed, checked and stored as one chunk: a transaction is
 * all or nothing and batch entries may refer to earlier ones, so it is not split.
 * Every entry is authorized from its method and URL, writes also by type.
 */
export async function bundleIntake(body: unknown, sink: ChunkSink, access: IntakeAccess, maxEntries: number): Promise<number> {
  if (!isJsonObject(body) || body['resourceType'] !== 'Bundle') throw invalid('$import takes NDJSON, a Bundle of type batch or transaction, or a manifest of NDJSON files ({ inputFormat, input: [{ type, url }] } or Parameters)', ['Bundle']);
  const kind = body['type'];
  if (kind !== 'batch' && kind !== 'transaction') throw invalid(`Bundle.type must be batch or transaction, not ${JSON.stringify(kind ?? 'missing')}`, ['Bundle.type']);
  const entries = body['entry'] ?? [];
  if (!Array.isArray(entries)) throw invalid('Bundle.entry must be an array', ['Bundle.entry']);
  if (entries.length === 0) throw invalid('The Bundle has no entries', ['Bundle.entry']);
  if (entries.length > maxEntries) {
    throw new FhirError('tooLarge', `The Bundle has ${String(entries.length)} entries; at most ${String(maxEntries)} are accepted (BUNDLE_MAX_ENTRIES)`);
  }
  for (const raw of entries) {
    const request = isJsonObject(raw) ? raw['request'] : undefined;
    const resource = isJsonObject(raw) ? raw['resource'] : undefined;
    if (!isJsonObject(request) || typeof request['method'] !== 'string' || typeof request['url'] !== 'string') continue; // fails on its own when run
    access.entry(request['method'], request['url']);
    if (isJsonObject(resource) && typeof resource['resourceType'] === 'string' && (request['method'] === 'POST' || request['method'] === 'PUT')) access.type(resource['resourceType']);
  }
  await sink(0, JSON.stringify(body));
  return entries.length;
}

/**
 * A manifest of NDJSON files to fetch (import-manifest.ts; SMART Bulk Data Import):
 * checked (400 naming what is wrong), its URLs held to the allow-list (403; none set:
 * URL imports are off) and each input's type authorized (403), then stored as one
 * `fetch` chunk per input. Nothing is fetched here: the worker does, later. Returns 0
 * lines (they are counted as the files are fetched).
 */
export async function manifestIntake(body: JsonObject, inputs: InputSink, access: IntakeAccess, allow: AllowList): Promise<number> {
  const manifest = parseManifest(body);
  checkSources(manifest.inputs, allow);
  for (const type of new Set(manifest.inputs.map((i) => i.type))) access.type(type);
  for (const input of manifest.inputs) await inputs(input);
  return 0;
}
