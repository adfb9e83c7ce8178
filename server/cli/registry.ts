import type { CliCommand } from './command.js';
import { migrate } from './commands/migrate.js';

/** Every operator command; add one line per new command. */
export const COMMANDS: readonly CliCommand[] = [migrate];
