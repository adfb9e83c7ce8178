import type { Config } from '../../config/schema.js';
import { BundleProcessor } from '../../fhir/bundle/bundle-processor.js';
import { createFhirServices, startValidationThreads } from '../../fhir/services.js';
import { createValidator } from '../../fhir/validation/index.js';
import { expandPaths } from '../../import/import-files.js';
import { Importer } from '../../import/importer.js';
import { ImportProgressBar } from '../../import/progress.js';
import { summaryLines } from '../../import/summary.js';
import { createLogger } from '../../log.js';
import { createPool } from '../../store/db.js';
import { contentIndexWorker, drainContentQueue } from '../../store/search/content-index.js';
import { ResourceStore } from '../../store/resource-store.js';
import type { CliCommand } from '../command.js';
import { openDatabase } from '../database.js';

interface ImportArgs {
  readonly paths: string[];
  readonly concurrency: number;
  readonly progress: boolean;
}

function parseArgs(args: readonly string[]): ImportArgs | string {
  const paths: string[] = [];
  let concurrency = 4;
  let progress = true;
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i] ?? '';
    if (a === '--concurrency' || a.startsWith('--concurrency=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[(i += 1)];
      concurrency = Number(v);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) return '--concurrency takes a whole number from 1 to 64';
    } else if (a === '--no-progress') {
      progress = false;
    } else if (a.startsWith('--')) {
      return `unknown option ${a}`;
    } else {
      paths.push(a);
    }
  }
  return paths.length === 0 ? 'name at least one file or directory' : { paths, concurrency, progress };
}

const serverBase = (config: Config): string => (config.baseUrl ?? `http://${config.host}:${config.port}/fhir`).replace(/\/+$/, '');

/**
 * `import <file|dir>...`: loads Bundle (.json) and NDJSON (.ndjson) files through the
 * same Bundle processor and repository as `POST /fhir`.
 */
export const importCommand: CliCommand = {
  name: 'import',
  summary: 'load Bundle (.json) and NDJSON (.ndjson) files, with a progress bar',
  usage: 'import [--concurrency N] [--no-progress] <file|dir>...',
  async run(args, ctx) {
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      ctx.err(`import: ${parsed}\nusage: npm run cli -- ${importCommand.usage}`);
      return 2;
    }
    const { files, missing } = await expandPaths(parsed.paths);
    for (const m of missing) ctx.err(`import: ${m}: no such file, or not a .json / .ndjson file`);
    if (files.length === 0) return 2;
    const db = await openDatabase(ctx.config);
    const pool = createPool(db.url, parsed.concurrency + 2);
    const bar = parsed.progress && process.stderr.isTTY ? new ImportProgressBar() : undefined;
    const log = createLogger(ctx.config.logLevel);
    const threads = startValidationThreads(ctx.config, log);
    try {
      const base = serverBase(ctx.config);
      const services = createFhirServices(new ResourceStore(pool), createValidator(), ctx.config, base, threads);
      const processor = new BundleProcessor({
        repository: services.repository,
        search: services.search.service,
        serverBase: base,
        maxEntries: ctx.config.bundleMaxEntries,
      });
      bar?.start(files.reduce((s, f) => s + f.bytes, 0), files.length);
      const started = performance.now();
      const importer = new Importer(processor, { concurrency: parsed.concurrency, ...(bar === undefined ? {} : { onProgress: (p) => bar.update(p) }) });
      const tally = await importer.run(files);
      bar?.stop();
      // The server's background worker is not running here: the _content rows are written now,
      // on as many connections as files were loaded at once.
      await drainContentQueue(pool, contentIndexWorker(pool, log, ctx.config, { parallel: parsed.concurrency }));
      for (const line of summaryLines(tally, (performance.now() - started) / 1000)) ctx.out(line);
      return tally.failed > 0 || tally.filesFailed > 0 || missing.length > 0 ? 1 : 0;
    } finally {
      bar?.stop();
      await threads?.stop();
      await pool.end();
      await db.close();
    }
  },
};
