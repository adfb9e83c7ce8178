import type { CliCommand } from './command.js';
import { clients } from './commands/clients.js';
import { users } from './commands/users.js';
import { importCommand } from './commands/import.js';
import { migrate } from './commands/migrate.js';

/** Every operator command; add one line per new command. */
export const COMMANDS: readonly CliCommand[] = [migrate, importCommand, clients, users];
