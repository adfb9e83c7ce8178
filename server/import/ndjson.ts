import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
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

/** The lines of a text stream, numbered from 1 (blank ones included, so numbers match the file). */
export async function* numberedLines(input: Readable): AsyncGenerator<{ readonly line: number; readonly text: string }> {
  let n = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    n += 1;
    yield { line: n, text };
  }
}

/**
 * Reads an NDJSON file in chunks of `size` lines, streaming, so files larger than
 * memory load too.
 */
export async function* ndjsonChunks(file: string, size: number): AsyncGenerator<NdjsonLine[]> {
  let chunk: NdjsonLine[] = [];
  for await (const { line, text } of numberedLines(createReadStream(file, { encoding: 'utf8' }))) {
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
