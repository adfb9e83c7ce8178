import type { CliCommand } from '../command.js';
import { openDatabase } from '../database.js';

/** `migrate`: applies pending migrations and exits. */
export const migrate: CliCommand = {
  name: 'migrate',
  summary: 'apply pending database migrations',
  usage: 'migrate',
  async run(_args, ctx) {
    const db = await openDatabase(ctx.config);
    await db.close();
    ctx.out('migrations are current');
    return 0;
  },
};
