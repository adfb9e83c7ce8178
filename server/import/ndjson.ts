import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isJsonObject, type JsonObject } from '../fhir/model/json-object.js';

/** One non-blank NDJSON line: the resource, or why it is not one. */
export type NdjsonLine =
  | { readonly line: number; readonly bytes: number; readonly resource: JsonObject & { resourceType: string } }
  | { readonly line: number; readonly bytes: number; readonly error: string };

/** Parses line number `line` of an NDJSON file (https://hl7.org/fhir/R4/nd-json.html). */
export function parseNdjsonLine(text: string, line: number): NdjsonLine {
  const bytes = Buffer.byteLength(text) + 1;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { line, bytes, error: `not JSON (${err instanceof Error ? err.message : 'parse error'})` };
  }
  if (!isJsonObject(value) || typeof value['resourceType'] !== 'string') return { line, bytes, error: 'not a FHIR resource (no resourceType)' };
  return { line, bytes, resource: value as JsonObject & { resourceType: string } };
}

/** Thrown by numberedLines for a line over its byte limit (`line` is its number). */
export class LineTooLong extends Error {
  constructor(
    readonly line: number,
    readonly maxBytes: number,
  ) {
    super(`line ${String(line)} is longer than ${String(maxBytes)} bytes`);
    this.name = 'LineTooLong';
  }
}

const LF = 0x0a;

function lineText(parts: readonly Buffer[]): string {
  const text = (parts.length === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts)).toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/**
 * The lines of a byte stream, numbered from 1 (blank ones included, so numbers match
 * the file), split at `\n` (a `\r` before it is dropped; https://hl7.org/fhir/R4/nd-json.html).
 * A line is never held longer than `maxLineBytes`: past that, LineTooLong is thrown
 * before more of it is read. readline would buffer a line of unbounded length, so one
 * gigabyte-long line could exhaust the process that receives or loads it.
 */
export async function* numberedLines(
  input: AsyncIterable<Buffer | string>,
  maxLineBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<{ readonly line: number; readonly text: string }> {
  let parts: Buffer[] = [];
  let held = 0;
  let n = 0;
  for await (const piece of input) {
    const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
    let start = 0;
    for (let at = buf.indexOf(LF, start); at !== -1; at = buf.indexOf(LF, start)) {
      if (held + at - start > maxLineBytes) throw new LineTooLong(n + 1, maxLineBytes);
      parts.push(buf.subarray(start, at));
      n += 1;
      yield { line: n, text: lineText(parts) };
      parts = [];
      held = 0;
      start = at + 1;
    }
    if (start < buf.length) {
      held += buf.length - start;
      if (held > maxLineBytes) throw new LineTooLong(n + 1, maxLineBytes);
      parts.push(buf.subarray(start));
    }
  }
  if (held > 0) yield { line: n + 1, text: lineText(parts) };
}

/**
 * Reads an NDJSON file in chunks of `size` lines, streaming, so files larger than
 * memory load too.
 */
export async function* ndjsonChunks(file: string, size: number): AsyncGenerator<NdjsonLine[]> {
  let chunk: NdjsonLine[] = [];
  for await (const { line, text } of numberedLines(createReadStream(file))) {
    if (text.trim() === '') continue;
    chunk.push(parseNdjsonLine(text, line));
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * The Bundle entry for one NDJSON resource: with an id it is an update-as-create of
 * that id (so bulk-export output keeps its ids and its references stay valid, and
 * loading it again writes new versions, never duplicates); without one, a create,
 * unless `assignedId` gives the id to create it with (as an update-as-create too).
 */
export function ndjsonEntry(resource: JsonObject & { resourceType: string }, assignedId?: string): JsonObject {
  const id = typeof resource['id'] === 'string' ? resource['id'] : assignedId;
  return typeof id === 'string'
    ? { resource: { ...resource, id }, request: { method: 'PUT', url: `${resource.resourceType}/${id}` } }
    : { resource, request: { method: 'POST', url: resource.resourceType } };
}

/**
 * An id for the resource on line `line` of an import job that has none: the same
 * every time the line is loaded, different for every job and line (a UUID-shaped
 * hash of both), so a chunk loaded again after a crash does not create it twice.
 * In a manifest job, lines are numbered per file: `input` (the file's index in the
 * manifest) keeps line 1 of two files apart.
 */
export function lineId(jobId: string, line: number, input?: number): string {
  const key = input === undefined ? `${jobId}:${String(line)}` : `${jobId}:${String(input)}:${String(line)}`;
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
