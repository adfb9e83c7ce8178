// Prints the README's settings table, generated from server/config/schema.ts.
// `npm run docs:settings -- --write` rewrites the table between the markers in README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from '../server/config/load.js';

const BEGIN = '<!-- settings:begin -->';
const END = '<!-- settings:end -->';
if (process.argv.includes('--write')) {
  const url = new URL('../README.md', import.meta.url);
  const readme = readFileSync(url, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0) throw new Error('README.md lacks the settings markers');
  writeFileSync(url, `${readme.slice(0, start + BEGIN.length)}\n${settingsTable()}\n${readme.slice(end)}`);
  process.stdout.write('README.md settings table updated\n');
} else {
  process.stdout.write(`${settingsTable()}\n`);
}
