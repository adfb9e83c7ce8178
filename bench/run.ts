// `npm run bench -- <name> [options]`: runs one benchmark from bench/.
const name = process.argv[2];
const benches: Record<string, () => Promise<unknown>> = {
  crud: () => import('./crud.js'),
  auth: () => import('./auth.js'),
  ingest: () => import('./ingest.js'),
  search: () => import('./search.js'),
  validate: () => import('./validate.js'),
  alloc: () => import('./alloc.js'),
  conditional: () => import('./conditional.js'),
};
const run = name === undefined ? undefined : benches[name];
if (run === undefined) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--duration s]\n`);
  process.exit(2);
}
await run();
