import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isJsonObject, type JsonObject } from '../fhir/model/json-object.js';

/** One non-blank NDJSON line: the resource, or why it is not one. */
export type NdjsonLine =
  | { readonly line: number; readonly bytes: number; readonly resource: JsonObject & { resourceType: string } }
  | { readonly line: number; readonly bytes: number; readonly error: string };

function parseLine(text: string, line: number): NdjsonLine {
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

/**
 * Reads an NDJSON file (https://hl7.org/fhir/R4/nd-json.html) in chunks of `size`
 * lines, streaming, so files larger than memory load too.
 */
export async function* ndjsonChunks(file: string, size: number): AsyncGenerator<NdjsonLine[]> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let chunk: NdjsonLine[] = [];
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.trim() === '') continue;
    chunk.push(parseLine(text, n));
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
 * loading it again writes new versions, never duplicates); without one, a create.
 */
export function ndjsonEntry(resource: JsonObject & { resourceType: string }): JsonObject {
  const id = resource['id'];
  return typeof id === 'string'
    ? { resource, request: { method: 'PUT', url: `${resource.resourceType}/${id}` } }
    : { resource, request: { method: 'POST', url: resource.resourceType } };
}
