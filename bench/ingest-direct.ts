// The in-process reference point of the ingest benchmark: the same Synthea resources
// written straight through the repository (validation, search indexing, multi-row store),
// one database transaction per patient file, without HTTP, JSON parsing, link rewriting
// or response building. Its ratio to the HTTP figure is what the Bundle layer costs.
import { loadConfig } from '../server/config/load.js';
import { createFhirServices } from '../server/fhir/services.js';
import { createValidator } from '../server/fhir/validation/index.js';
import { createPool } from '../server/store/db.js';
import { ResourceStore } from '../server/store/resource-store.js';

export interface DirectFile {
  readonly resources: { resourceType: string; json: string }[];
}

/** Placeholder and conditional references replaced by plain `Type/id` ones, untimed. */
function plainReferences(file: DirectFile): { type: string; body: Record<string, unknown>; id: string }[] {
  const ids = new Map<string, string>();
  const out = file.resources.map((r) => {
    const body = JSON.parse(r.json) as Record<string, unknown>;
    const id = crypto.randomUUID();
    if (typeof body['id'] === 'string') ids.set(`urn:uuid:${body['id']}`, `${r.resourceType}/${id}`);
    return { type: r.resourceType, body, id };
  });
  return out.map((r) => {
    const text = JSON.stringify(r.body).replace(/"reference":"([^"]+)"/g, (all, ref: string) => {
      const mapped = ids.get(ref) ?? (/^([A-Za-z]+)\?/.exec(ref) === null ? undefined : `${ref.split('?')[0] ?? ''}/${crypto.randomUUID()}`);
      return mapped === undefined ? all : `"reference":"${mapped}"`;
    });
    return { ...r, body: JSON.parse(text) as Record<string, unknown> };
  });
}

/** Resources per second written through the repository, `concurrency` files at a time. */
export async function directRepositoryRate(url: string, files: readonly DirectFile[], concurrency: number): Promise<number> {
  const pool = createPool(url, concurrency + 2);
  const config = loadConfig({}, { logLevel: 'silent' });
  const { repository } = createFhirServices(new ResourceStore(pool), createValidator(), config, 'http://127.0.0.1/fhir');
  const prepared = files.map(plainReferences);
  const total = prepared.reduce((n, f) => n + f.length, 0);
  const queue = [...prepared];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        const file = f;
        // As a transaction Bundle of plain creates is written: validated and indexed one by one, stored together.
        await repository.transaction((w) => w.createPrepared(file.map((r) => w.prepareCreate(r.type, r.body, r.id))));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  return total / seconds;
}
