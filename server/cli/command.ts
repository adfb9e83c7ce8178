import type { Config } from '../config/schema.js';

/** What every CLI command gets: the validated settings and where to write. */
export interface CliContext {
  readonly config: Config;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** One `npm run cli -- <name> ...` command. `run` returns the process exit code. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], ctx: CliContext): Promise<number>;
}
