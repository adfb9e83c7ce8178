import { expect } from 'chai';
import { isIdSpan, isValidId } from '../../../../server/fhir/model/ids.js';

describe('ids: the R4 id rule [A-Za-z0-9-.]{1,64}', () => {
  it('accepts 1 to 64 id characters and nothing else', () => {
    for (const ok of ['a', 'A-1.b', 'x'.repeat(64), '0']) expect(isValidId(ok), ok).to.equal(true);
    for (const bad of ['', 'x'.repeat(65), 'a_b', 'a/b', 'a b', 'é', 'a\n']) expect(isValidId(bad), bad).to.equal(false);
  });

  it('checks a span in place', () => {
    expect(isIdSpan('Patient/p-1/_history/2', 8, 11)).to.equal(true);
    expect(isIdSpan('Patient/p-1/_history/2', 7, 11)).to.equal(false);
    expect(isIdSpan('Patient/', 8, 8)).to.equal(false);
  });
});
