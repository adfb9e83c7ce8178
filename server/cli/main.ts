import { loadConfig } from '../config/load.js';
import { COMMANDS } from './registry.js';

/** `npm run cli -- <command> [args]`: the one operator entry point (DESIGN.md section 2). */
async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    err('usage: npm run cli -- <command> [args]\n\ncommands:');
    for (const c of COMMANDS) err(`  ${c.usage.padEnd(40)} ${c.summary}`);
    return name === undefined || name === 'help' ? 0 : 2;
  }
  return command.run(args, { config: loadConfig(process.env), out, err });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
