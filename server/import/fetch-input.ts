import { FhirError } from '../errors/fhir-error.js';
import { toOperationOutcome } from '../errors/outcome.js';
import type { ChunkAdder, ChunkResult, ClaimedChunk, ImportInput } from '../store/import-job-types.js';
import { ndjsonIntake, type IntakeAccess } from './import-intake.js';
import { fetchSource, SourceError, type SourceLimits } from './source-fetch.js';

export interface FetchInputOptions extends SourceLimits {
  /** IMPORT_CHUNK_LINES: lines per NDJSON chunk added to the job. */
  readonly chunkLines: number;
  /** MAX_BODY_BYTES: the longest line (one resource) accepted. */
  readonly maxLineBytes: number;
}

/**
 * Types were authorized at intake (from the manifest); each line's type is held to
 * its input's when the chunk loads (import-chunk.ts), and each write is authorized then.
 */
const noCheck: IntakeAccess = { type: () => undefined, entry: () => undefined };

const failed = (input: ImportInput, err: FhirError): ChunkResult => ({ counts: {}, failures: [{ url: input.url, outcome: toOperationOutcome(err.issues) }] });

/** The input failed as a whole without being fetched: `err` says why (access withdrawn, 403; abandoned, too-costly). */
export function inputRefused(chunk: ClaimedChunk, err: FhirError): ChunkResult {
  if (chunk.input === undefined) throw new FhirError('internal', 'a fetch chunk without its input');
  return failed(chunk.input, err);
}

/**
 * A claimed `fetch` chunk (one file of a manifest): streams the file into NDJSON
 * chunks of `chunkLines` lines added to the job in the claim's transaction, as the
 * intake of a posted body does. A file that fails (HTTP error, a redirect outside
 * the allow-list, timeout, too large, not NDJSON) adds nothing and is reported as a
 * failure of that input with its URL; a transient failure (network, 5xx) throws, so
 * the chunk is tried again, except on its `last` attempt.
 */
export async function fetchInput(chunk: ClaimedChunk, adder: ChunkAdder, options: FetchInputOptions, last: boolean): Promise<ChunkResult> {
  const input = chunk.input;
  if (input === undefined) throw new FhirError('internal', 'a fetch chunk without its input');
  try {
    // The byte limit is fetchSource's (it names the file); the intake only splits.
    await ndjsonIntake(fetchSource(input.url, options), adder.add, noCheck, { maxBytes: Number.MAX_SAFE_INTEGER, chunkLines: options.chunkLines, maxLineBytes: options.maxLineBytes });
    return { counts: {}, failures: [] };
  } catch (err) {
    await adder.discard();
    if (!last && (!(err instanceof FhirError) || (err instanceof SourceError && err.transient))) throw err;
    // Database errors (not FhirErrors) are not shown to the client, as the error handler does.
    const reason = err instanceof FhirError ? err : new FhirError('internal', 'the file could not be stored');
    return failed(input, reason);
  }
}
