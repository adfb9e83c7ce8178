/**
 * The shapes of the asynchronous `$import`'s jobs and chunks (issue #4), shared by the
 * store (import-job-store.ts), the claim (import-job-claim.ts) and the import code.
 */

/** What was posted: NDJSON, a Bundle, or a manifest of NDJSON files to fetch. */
export type ImportFormat = 'ndjson' | 'bundle' | 'manifest';
export type ImportJobState = 'queued' | 'running' | 'done' | 'cancelled';

export interface TypeTally {
  loaded: number;
  skipped: number;
  failed: number;
}

/** A failed NDJSON line (its number) or Bundle entry (its index), or a manifest input that could not be fetched (its url), with its OperationOutcome. */
export interface ImportFailure {
  readonly line?: number;
  readonly entry?: number;
  /** The manifest input (file) the line was in, or that failed as a whole. */
  readonly url?: string;
  readonly outcome: unknown;
}

/** One file of a manifest: its place in the manifest, the resource type it holds, its (normalized) URL. */
export interface ImportInput {
  readonly index: number;
  readonly type: string;
  readonly url: string;
}

/**
 * `data`: NDJSON lines or a Bundle, to load. `fetch`: a manifest input, to fetch and
 * split into `data` chunks (in the claim's transaction).
 */
export type ChunkKind = 'data' | 'fetch';

/** What one chunk did: counts per resource type, and its failures. */
export interface ChunkResult {
  readonly counts: Readonly<Record<string, TypeTally>>;
  readonly failures: readonly ImportFailure[];
}

export interface ImportJob {
  readonly id: string;
  readonly state: ImportJobState;
  readonly format: ImportFormat;
  readonly owner: string;
  readonly principal: unknown;
  readonly requestId: string;
  readonly chunks: number;
  readonly chunksDone: number;
  /** NDJSON lines (Bundle entries) received so far; a manifest's grow as its files are fetched. */
  readonly lines: number;
  /** Resources the finished chunks loaded, skipped or failed. */
  readonly resourcesDone: number;
  readonly submitted: Date;
  readonly started: Date | null;
  readonly finished: Date | null;
}

export interface NewImportJob {
  readonly id: string;
  readonly format: ImportFormat;
  readonly owner: string;
  readonly principal: unknown;
  readonly requestId: string;
}

/** A claimed chunk, with what the worker needs of its job. */
export interface ClaimedChunk {
  readonly jobId: string;
  readonly seq: number;
  readonly firstLine: number;
  readonly body: string;
  readonly format: ImportFormat;
  readonly kind: ChunkKind;
  /** The manifest input a `fetch` chunk is, or a `data` chunk came from. */
  readonly input: ImportInput | undefined;
  readonly principal: unknown;
  readonly requestId: string;
  /** Earlier loads of this chunk that failed on the database (the claim counts them). */
  readonly attempts: number;
  /** Earlier claims of this chunk that neither finished nor failed: their process died while loading it. */
  readonly unfinishedClaims: number;
  /** What earlier loads of this Bundle chunk committed before their claim died (BUNDLE_LOADED_TOPIC). */
  readonly loaded?: LoadedBefore;
}

/** The records committed loads of a Bundle chunk left (store/import-job-claim.ts BUNDLE_LOADED_TOPIC). */
export interface LoadedBefore {
  /** The Bundle's entries they loaded, by index; undefined: all of them. */
  readonly entries: ReadonlySet<number> | undefined;
  /** Their results, one per record (the entries each loaded). */
  readonly results: readonly ChunkResult[];
}

/** An outbox message written in the transaction that finishes a job (its audit record). */
export interface OutboxMessage {
  readonly topic: string;
  readonly payload: unknown;
}

/** Called when a claim finishes the last chunk of a job, with every chunk's result. */
export type JobCompletion = (chunk: ClaimedChunk, results: readonly ChunkResult[]) => OutboxMessage | undefined;

/** Adds one chunk to the job being received: the number of its first line and its text. */
export type ChunkSink = (firstLine: number, body: string) => Promise<void>;

/** Adds one manifest input to the job being received (a `fetch` chunk). */
export type InputSink = (input: ImportInput) => Promise<void>;

/**
 * Given to the load of a claimed `fetch` chunk: adds the fetched file's NDJSON chunks
 * to the job in the claim's transaction, so they are stored exactly when the fetch
 * chunk is marked done (a crash leaves one or the other, never both).
 */
export interface ChunkAdder {
  readonly add: ChunkSink;
  /** Drops every chunk added so far (the input failed part-way). */
  discard(): Promise<void>;
}
