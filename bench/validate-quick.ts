// Structural validation throughput over the Synthea sample (DESIGN.md section 5).
// Run: npx tsx bench/validate-quick.ts [--rounds 3] [--dir ../shared/data/synthea]
// Prints validations/s for whole resources (every entry of every bundle), and, as the
// same-run baseline for the ratio, a structuredClone of each resource (a full walk of the
// same data with no checking). Writes bench/results/validate-quick.json.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isJsonObject, type JsonObject } from '../server/fhir/model/json-object.js';
import { createValidator } from '../server/fhir/validation/index.js';
import { sharedDataDir } from '../test/helpers/shared-data.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const dir = arg('dir', sharedDataDir('synthea'));
const rounds = Number(arg('rounds', '3'));

function loadResources(): JsonObject[] {
  const out: JsonObject[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const bundle: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const entries = isJsonObject(bundle) && Array.isArray(bundle['entry']) ? bundle['entry'] : [];
    for (const e of entries) if (isJsonObject(e) && isJsonObject(e['resource'])) out.push(e['resource']);
  }
  return out;
}

function perSecond(resources: readonly JsonObject[], fn: (r: JsonObject) => unknown): number {
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    for (const r of resources) fn(r);
    const seconds = (performance.now() - t0) / 1000;
    best = Math.max(best, resources.length / seconds);
  }
  return best;
}

const t0 = performance.now();
const validator = createValidator();
const createMs = performance.now() - t0;
const resources = loadResources();
let errors = 0;
for (const r of resources) errors += validator.validate(r).filter((i) => i.severity === 'error').length;
const validatePerSec = perSecond(resources, (r) => validator.validate(r));
const clonePerSec = perSecond(resources, (r) => structuredClone(r));
const result = {
  bench: 'validate-quick',
  resources: resources.length,
  errorIssues: errors,
  createValidatorMs: Math.round(createMs),
  validationsPerSecond: Math.round(validatePerSec),
  baselineStructuredClonePerSecond: Math.round(clonePerSec),
  ratioToBaseline: Number((validatePerSec / clonePerSec).toFixed(2)),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'validate-quick.json'), `${JSON.stringify(result, null, 2)}\n`);
