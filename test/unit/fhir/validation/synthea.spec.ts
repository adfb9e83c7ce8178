import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject } from '../../../../server/fhir/model/json-object.js';
import { errorsOf } from './validator-fixture.js';
import { sharedDataDir } from '../../../helpers/shared-data.js';

/** The shared Synthea sample (DESIGN.md section 5): transaction/batch Bundles that must be valid. */
const SYNTHEA = sharedDataDir('synthea');

describe('fhir/validation: Synthea bundles', () => {
  const files = existsSync(SYNTHEA) ? readdirSync(SYNTHEA).filter((f) => f.endsWith('.json')).sort() : [];
  // The two 0-*Information* batches (organizations, practitioners) and a few patients.
  const picked = [...files.filter((f) => f.startsWith('0-')), ...files.filter((f) => !f.startsWith('0-')).slice(0, 4)];

  it('finds the shared Synthea sample', () => {
    expect(picked.length, `no Synthea bundles under ${SYNTHEA}`).to.be.greaterThan(0);
  });

  for (const file of picked) {
    it(`accepts ${file} whole`, () => {
      const bundle: unknown = JSON.parse(readFileSync(join(SYNTHEA, file), 'utf8'));
      expect(isJsonObject(bundle) && Array.isArray(bundle['entry']) && bundle['entry'].length > 0).to.equal(true);
      const errors = errorsOf(bundle).slice(0, 5).map((i) => `${i.code} ${i.diagnostics}`);
      expect(errors).to.deep.equal([]);
    });
  }
});
