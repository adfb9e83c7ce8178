import { expect } from 'chai';
import { parseDateRange } from '../../../../server/fhir/model/date-range.js';

describe('fhir/model/date-range', () => {
  const range = (v: string): [string, string] | undefined => {
    const r = parseDateRange(v);
    return r === undefined ? undefined : [r.start.toISOString(), r.end.toISOString()];
  };

  it('covers a year, a month and a day at their precision', () => {
    expect(range('2024')).to.deep.equal(['2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(range('2024-02')).to.deep.equal(['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    expect(range('2024-02-29')).to.deep.equal(['2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
  });

  it('applies the time zone and the precision of the time', () => {
    expect(range('2024-03-01T10:00+02:00')).to.deep.equal(['2024-03-01T08:00:00.000Z', '2024-03-01T08:01:00.000Z']);
    expect(range('2024-03-01T10:00:05Z')).to.deep.equal(['2024-03-01T10:00:05.000Z', '2024-03-01T10:00:06.000Z']);
    expect(range('2024-03-01T10:00:05.25Z')).to.deep.equal(['2024-03-01T10:00:05.250Z', '2024-03-01T10:00:05.260Z']);
  });

  it('rejects dates that do not exist and malformed text', () => {
    expect(range('2023-02-29')).to.equal(undefined);
    expect(range('2024-13')).to.equal(undefined);
    expect(range('yesterday')).to.equal(undefined);
    expect(range('2024-01-01T25:00Z')).to.equal(undefined);
  });
});
