import { expect } from 'chai';
import { contentForStorage } from '../../../server/store/resource-store.js';

describe('contentForStorage: the stored text is the JSON without resourceType', () => {
  it('drops resourceType wherever it sits, and keeps every other member in order', () => {
    const cases: Record<string, unknown>[] = [
      { resourceType: 'Patient', id: 'a', meta: { versionId: '1' }, name: [{ family: 'X' }] },
      { id: 'a', resourceType: 'Patient', gender: 'male' },
      { resourceType: 'Patient' },
      { resourceType: 'Patient', id: '{"resourceType":"Patient",' },
    ];
    for (const resource of cases) {
      const text = contentForStorage(resource);
      const { resourceType: _type, ...expected } = resource;
      expect(text, JSON.stringify(resource)).to.equal(JSON.stringify(expected));
    }
  });
});
