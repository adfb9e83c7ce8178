import { expect } from 'chai';
import { IndexRows } from '../../../../server/store/search/rows.js';

describe('store/search: index rows', () => {
  it('keeps one of identical rows, and tells null, empty text and numbers apart', () => {
    const rows = new IndexRows();
    rows.token.add(1, 'http://loinc.org', '1234-5');
    rows.token.add(1, 'http://loinc.org', '1234-5');
    rows.token.add(1, null, '1234-5');
    rows.token.add(1, '', '1234-5');
    rows.token.add(2, 'http://loinc.org', '1234-5');
    expect(rows.token.size).to.equal(4);
    expect(rows.token.columns).to.deep.equal([
      [1, 1, 1, 2],
      ['http://loinc.org', null, '', 'http://loinc.org'],
      ['1234-5', '1234-5', '1234-5', '1234-5'],
    ]);
  });

  it('still finds duplicates in long tables (beyond the value-by-value scan)', () => {
    const rows = new IndexRows();
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 40; i += 1) rows.number.add(1, i, i === 39 ? Infinity : i);
      rows.number.add(1, 39, -Infinity);
    }
    expect(rows.number.size).to.equal(41);
    expect(rows.number.columns[2]?.slice(-2)).to.deep.equal([Infinity, -Infinity]);
  });
});
