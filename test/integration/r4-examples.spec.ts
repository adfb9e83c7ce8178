import { expect } from 'chai';
import { fhirRequest } from '../helpers/http.js';
import { r4InstanceExamples } from '../helpers/r4-examples.js';
import { INVALID_EXAMPLES, type IssueLike } from '../helpers/r4-invalid-examples.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** The resource without the two meta elements the server owns (and meta itself if then empty). */
function withoutServerMeta(r: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = r;
  if (typeof meta !== 'object' || meta === null) return rest;
  const { versionId: _v, lastUpdated: _l, ...kept } = meta as Record<string, unknown>;
  return Object.keys(kept).length === 0 ? rest : { ...rest, meta: kept };
}

/**
 * Examples that break the R4 specification itself, with the rule they break
 * (test/helpers/r4-invalid-examples.ts). The server must reject them (422) with errors
 * that are all instances of that rule; the README lists them too.
 */

describe('official R4 examples (hl7.fhir.r4.examples@4.0.1)', function () {
  this.timeout(300_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('every instance example is accepted by PUT with its own id and read back unchanged apart from meta', async () => {
    const examples = r4InstanceExamples();
    expect(examples.length).to.be.greaterThan(700);
    const failures: string[] = [];
    const types = new Set<string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < examples.length; i = next++) {
        const ex = examples[i];
        if (ex === undefined) continue;
        const { resourceType, id } = ex.resource;
        types.add(resourceType);
        const put = await fhirRequest(`${s.base}/${resourceType}/${id}`, { method: 'PUT', body: ex.resource });
        const broken = INVALID_EXAMPLES.get(ex.file);
        if (broken !== undefined) {
          const issues = (put.body?.['issue'] ?? []) as (IssueLike & { severity?: string })[];
          const errors = issues.filter((i) => i.severity === 'error');
          if (put.status !== 422 || errors.length === 0 || !errors.every(broken.matches)) {
            failures.push(`${ex.file}: expected 422 for ${broken.rule}, got ${put.status} ${put.text.slice(0, 300)}`);
          }
          continue;
        }
        if (put.status !== 201 && put.status !== 200) {
          failures.push(`${ex.file}: PUT ${put.status} ${put.text.slice(0, 300)}`);
          continue;
        }
        const got = await fhirRequest(`${s.base}/${resourceType}/${id}`);
        try {
          expect(withoutServerMeta(got.body ?? {})).to.deep.equal(withoutServerMeta(ex.resource));
        } catch {
          failures.push(`${ex.file}: read back differs`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failures, failures.join('\n')).to.deep.equal([]);
    expect(types.size).to.be.greaterThan(120);
  });
});
