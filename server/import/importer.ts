import { readFile } from 'node:fs/promises';
import { FhirError } from '../errors/fhir-error.js';
import type { BundleProcessor } from '../fhir/bundle/bundle-processor.js';
import { peekBundleType, type ImportFile } from './import-files.js';
import { ndjsonChunks, ndjsonEntry, type NdjsonLine } from './ndjson.js';
import { loadNdjsonEntries } from './ndjson-load.js';
import { entryTypesOf, ImportTally } from './tally.js';

export interface ImportOptions {
  /** Files loaded at the same time (each in its own transaction or batch). */
  readonly concurrency: number;
  /** NDJSON lines per transaction. */
  readonly ndjsonChunk?: number;
  /** Called after each file or NDJSON chunk. */
  readonly onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly resources: number;
}

/** The first few failures of a file are reported, then only their number. */
const REPORTED_PER_FILE = 5;

function message(err: unknown): string {
  if (err instanceof FhirError) return `${err.status} ${err.issues.map((i) => i.diagnostics).join('; ')}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The bulk loader: Bundle files and NDJSON files through the same BundleProcessor as
 * `POST /fhir`, `concurrency` files at a time. Batch Bundles are loaded before
 * everything else, since transaction Bundles usually reference what they create
 * conditionally (Synthea's hospital and practitioner bundles). A failing file is
 * recorded with its reason and the others go on.
 */
export class Importer {
  private readonly tally = new ImportTally();
  private bytesDone = 0;
  private bytesTotal = 0;
  private filesTotal = 0;

  constructor(
    private readonly processor: BundleProcessor,
    private readonly options: ImportOptions,
  ) {}

  async run(files: readonly ImportFile[]): Promise<ImportTally> {
    this.filesTotal = files.length;
    this.bytesTotal = files.reduce((n, f) => n + f.bytes, 0);
    const first: ImportFile[] = [];
    const rest: ImportFile[] = [];
    for (const f of files) ((f.format === 'bundle' && (await peekBundleType(f.path)) === 'batch') ? first : rest).push(f);
    await this.pool(first);
    await this.pool(rest);
    return this.tally;
  }

  private async pool(files: readonly ImportFile[]): Promise<void> {
    const queue = [...files];
    const worker = async (): Promise<void> => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        let counted = 0;
        const advance = (bytes: number): void => {
          counted += bytes;
          this.progress(bytes);
        };
        try {
          await (f.format === 'bundle' ? this.bundleFile(f) : this.ndjsonFile(f, advance));
        } catch (err) {
          this.tally.filesFailed += 1;
          this.tally.fail(f.path, message(err));
        }
        this.tally.filesDone += 1;
        advance(Math.max(0, f.bytes - counted));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, worker));
  }

  private progress(addBytes: number): void {
    this.bytesDone += addBytes;
    this.options.onProgress?.({
      filesDone: this.tally.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      resources: this.tally.resources,
    });
  }

  private async bundleFile(f: ImportFile): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readFile(f.path, 'utf8'));
    } catch (err) {
      throw new Error(`not a JSON file (${err instanceof Error ? err.message : 'parse error'})`);
    }
    try {
      const failed = this.tally.addResult(await this.processor.process(body));
      for (const { index, error } of failed.slice(0, REPORTED_PER_FILE)) this.tally.fail(f.path, `Bundle.entry[${index}]: ${message(error)}`);
      if (failed.length > REPORTED_PER_FILE) this.tally.fail(f.path, `... and ${failed.length - REPORTED_PER_FILE} more failed entries`);
    } catch (err) {
      this.tally.addFailed(entryTypesOf(body));
      throw err;
    }
  }

  /**
   * NDJSON in transactions of `ndjsonChunk` lines: fast, and all-or-nothing per chunk.
   * When a chunk fails on a bad line it is loaded again as a batch, so only its bad
   * lines fail (loadNdjsonEntries).
   */
  private async ndjsonFile(f: ImportFile, advance: (bytes: number) => void): Promise<void> {
    let reported = 0;
    const report = (line: number, reason: string): void => {
      if (reported < REPORTED_PER_FILE) this.tally.fail(f.path, `line ${line}: ${reason}`);
      reported += 1;
    };
    for await (const chunk of ndjsonChunks(f.path, this.options.ndjsonChunk ?? 500)) {
      const good = chunk.filter((l): l is Extract<NdjsonLine, { resource: unknown }> => 'resource' in l);
      for (const l of chunk) {
        if ('error' in l) {
          this.tally.addFailed(['unknown']);
          report(l.line, l.error);
        }
      }
      const entries = good.map((l) => ndjsonEntry(l.resource));
      const result = await loadNdjsonEntries(this.processor, entries);
      for (const { index, error } of this.tally.addResult(result)) report(good[index]?.line ?? 0, message(error));
      advance(chunk.reduce((n, l) => n + l.bytes, 0));
    }
    if (reported > REPORTED_PER_FILE) this.tally.fail(f.path, `... and ${reported - REPORTED_PER_FILE} more failed lines`);
  }
}
