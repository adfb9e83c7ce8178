import { FhirError, invalid } from '../errors/fhir-error.js';
import { toOperationOutcome } from '../errors/outcome.js';
import type { BundleProcessor } from '../fhir/bundle/bundle-processor.js';
import type { BeforeCommit, EntryAccess } from '../fhir/bundle/types.js';
import { isJsonObject } from '../fhir/model/json-object.js';
import type { ChunkResult, ClaimedChunk, ImportFailure, LoadedBefore } from '../store/import-job-types.js';
import { combinedResult } from './import-totals.js';
import { BUNDLE_LOADED_TOPIC, type BundleLoaded } from '../store/import-job-claim.js';
import { lineId, ndjsonEntry, parseNdjsonLine, type NdjsonLine } from './ndjson.js';
import { loadNdjsonEntries } from './ndjson-load.js';
import { entryTypesOf, ImportTally } from './tally.js';

type Failure = ImportFailure;

const outcomeOf = (err: FhirError): unknown => toOperationOutcome(err.issues);

function resultOf(tally: ImportTally, failures: readonly Failure[]): ChunkResult {
  return { counts: Object.fromEntries(tally.byType), failures };
}

/**
 * One NDJSON chunk of an `$import` job: each line's number is counted from the
 * chunk's first line, lines without an id get the id lineId() derives for them (so
 * loading the chunk again after a crash rewrites the same resources instead of
 * creating them twice), and the chunk goes through loadNdjsonEntries, as the CLI's.
 * A chunk of a manifest's file also refuses lines of another type than the file's
 * (the submitter was authorized for that type only), and names the file in each failure.
 */
async function loadNdjson(processor: BundleProcessor, chunk: ClaimedChunk, access: EntryAccess | undefined, last: boolean): Promise<ChunkResult> {
  const tally = new ImportTally();
  const failures: Failure[] = [];
  const input = chunk.input;
  const at = (line: number): Pick<Failure, 'line' | 'url'> => (input === undefined ? { line } : { line, url: input.url });
  const good: Extract<NdjsonLine, { resource: unknown }>[] = [];
  chunk.body.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    const parsed = parseNdjsonLine(text, chunk.firstLine + i);
    if ('error' in parsed) {
      tally.addFailed(['unknown']);
      failures.push({ ...at(parsed.line), outcome: outcomeOf(invalid(`line ${String(parsed.line)}: ${parsed.error}`)) });
    } else if (input !== undefined && parsed.resource.resourceType !== input.type) {
      tally.addFailed([parsed.resource.resourceType]);
      const why = `line ${String(parsed.line)} of ${input.url}: a ${parsed.resource.resourceType}, but the manifest gives this file the type ${input.type}`;
      failures.push({ ...at(parsed.line), outcome: outcomeOf(invalid(why, ['resourceType'])) });
    } else {
      good.push(parsed);
    }
  });
  if (good.length > 0) {
    const entries = good.map((l) => ndjsonEntry(l.resource, lineId(chunk.jobId, l.line, input?.index)));
    const result = await loadNdjsonEntries(processor, entries, access);
    const failed = tally.addResult(result);
    // A line that failed on the database, not on its content, is not reported: the chunk is
    // run again. On its last attempt it is reported like any other failure.
    const broken = failed.find((f) => f.error.status >= 500);
    if (broken !== undefined && !last) throw broken.error;
    for (const { index, error } of failed) failures.push({ ...at(good[index]?.line ?? 0), outcome: outcomeOf(error) });
  }
  failures.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return resultOf(tally, failures);
}

/**
 * Records, in each database transaction that writes entries of the Bundle, which
 * entries it loaded and with what result (store/import-job-claim.ts BUNDLE_LOADED_TOPIC),
 * so that a claim dying after such a commit does not load them again. `original` maps
 * an entry's index in `body` to its index in the chunk's Bundle. A transaction's reads
 * and searches, run after its commit, are recorded as skipped (a failed search would
 * be reported failed by the claim that ran it).
 */
function recordLoaded(chunk: ClaimedChunk, body: unknown, original: (index: number) => number): BeforeCommit {
  const types = entryTypesOf(body);
  return async (committed, enqueue) => {
    const indexes = [...committed.keys()];
    const tally = new ImportTally();
    tally.addOutcomes(
      indexes.map((i) => committed.get(i)),
      indexes.map((i) => types[i] ?? 'unknown'),
    );
    const loaded: BundleLoaded = { job: chunk.jobId, seq: chunk.seq, entries: indexes.map(original), result: resultOf(tally, []) };
    await enqueue(BUNDLE_LOADED_TOPIC, [loaded]);
  };
}

/**
 * The part of a Bundle that earlier loads did not commit (ClaimedChunk.loaded): the
 * Bundle without those entries, with each remaining entry's index in the original;
 * undefined when nothing is left. An entry left that links to one loaded before by its
 * full URL (which only a batch allows, and only to an entry already written) fails.
 */
function remainder(body: unknown, loaded: LoadedBefore): { body: unknown; original: number[] } | undefined {
  const entries: unknown = isJsonObject(body) ? body['entry'] : undefined;
  if (loaded.entries === undefined || !Array.isArray(entries) || !isJsonObject(body)) return undefined;
  const done = loaded.entries;
  const original = entries.map((_, i) => i).filter((i) => !done.has(i));
  if (original.length === 0) return undefined;
  return { body: { ...body, entry: original.map((i): unknown => entries[i]) }, original };
}

/**
 * A Bundle job (one chunk): processed as if posted to the base. A transaction that
 * fails is reported once, with the OperationOutcome naming its failing entry, and
 * all its entries counted failed; a batch reports each failed entry by its index.
 * Entries that earlier claims loaded (ClaimedChunk.loaded) are counted from their
 * records and not loaded again.
 */
async function loadBundle(processor: BundleProcessor, chunk: ClaimedChunk, access: EntryAccess | undefined, last: boolean): Promise<ChunkResult> {
  const parsed: unknown = JSON.parse(chunk.body);
  const rest = chunk.loaded === undefined ? { body: parsed, original: undefined } : remainder(parsed, chunk.loaded);
  if (rest === undefined) return combinedResult(chunk.loaded?.results ?? []);
  const { body, original } = rest;
  const originalOf = (index: number): number => original?.[index] ?? index;
  const tally = new ImportTally();
  let result: ChunkResult;
  try {
    const failed = tally.addResult(await processor.process(body, access, recordLoaded(chunk, body, originalOf)));
    result = resultOf(tally, failed.map(({ index, error }) => ({ entry: originalOf(index), outcome: outcomeOf(error) })));
  } catch (err) {
    if (!(err instanceof FhirError) || (err.status >= 500 && !last)) throw err;
    tally.addFailed(entryTypesOf(body));
    result = resultOf(tally, [{ outcome: outcomeOf(err) }]);
  }
  return chunk.loaded === undefined ? result : combinedResult([...chunk.loaded.results, result]);
}

/**
 * A data chunk failed as a whole without being loaded (`err` says why): each of its
 * lines, or its Bundle, is reported failed with that reason. The lines are not parsed:
 * loading them may be what stopped the server.
 */
export function chunkFailed(chunk: ClaimedChunk, err: FhirError): ChunkResult {
  const outcome = outcomeOf(err);
  if (chunk.format === 'bundle') return { counts: { unknown: { loaded: 0, skipped: 0, failed: 1 } }, failures: [{ outcome }] };
  const failures: Failure[] = [];
  chunk.body.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    const line = chunk.firstLine + i;
    failures.push(chunk.input === undefined ? { line, outcome } : { line, url: chunk.input.url, outcome });
  });
  return { counts: { unknown: { loaded: 0, skipped: 0, failed: failures.length } }, failures };
}

/**
 * Loads one claimed chunk through the Bundle processor, with the submitter's access.
 * A failure on the database throws (the chunk is tried again), except on its `last`
 * attempt, where it is reported in the result like a failure on content.
 */
export function loadChunk(processor: BundleProcessor, chunk: ClaimedChunk, access: EntryAccess | undefined, last = false): Promise<ChunkResult> {
  return chunk.format === 'bundle' ? loadBundle(processor, chunk, access, last) : loadNdjson(processor, chunk, access, last);
}
