import { expect } from 'chai';
import { shapeForWrite } from '../../../../server/fhir/repository/prepare.js';

describe('shapeForWrite: a request body shaped for storage', () => {
  it('sets the id, drops the server-owned meta elements and keeps the others, in the body order', () => {
    const body: unknown = JSON.parse('{"resourceType":"Patient","id":"theirs","gender":"male","meta":{"versionId":"7","lastUpdated":"2020-01-01T00:00:00Z","profile":["p"]},"active":true}');
    const { resource, forValidation } = shapeForWrite('Patient', body, 'ours');
    expect(Object.keys(resource)).to.deep.equal(['resourceType', 'id', 'meta', 'gender', 'active']);
    expect(resource).to.deep.equal({ resourceType: 'Patient', id: 'ours', meta: { profile: ['p'] }, gender: 'male', active: true });
    expect(forValidation).to.equal(resource);
  });

  it('validates without meta when nothing of it is kept, and stores an empty meta to stamp', () => {
    const body: unknown = JSON.parse('{"resourceType":"Patient","meta":{"versionId":"7"},"gender":"male"}');
    const { resource, forValidation } = shapeForWrite('Patient', body, 'ours');
    expect(resource).to.deep.equal({ resourceType: 'Patient', id: 'ours', meta: {}, gender: 'male' });
    expect(forValidation).to.deep.equal({ resourceType: 'Patient', id: 'ours', gender: 'male' });
  });

  it('keeps a "__proto__" member as an own element (for validation to refuse), not as the prototype', () => {
    const body: unknown = JSON.parse('{"resourceType":"Patient","__proto__":{"gender":"female"},"meta":{"__proto__":{"x":1}}}');
    const { resource, forValidation } = shapeForWrite('Patient', body, 'ours');
    expect(Object.getPrototypeOf(resource)).to.equal(Object.prototype);
    expect(Object.keys(resource)).to.deep.equal(['resourceType', 'id', 'meta', '__proto__']);
    expect(resource['gender']).to.equal(undefined);
    expect(Object.keys(resource['meta'] as object)).to.deep.equal(['__proto__']);
    expect(Object.keys(forValidation)).to.include('__proto__');
  });

  it('refuses a body of another type, and a meta that is not an object', () => {
    expect(() => shapeForWrite('Patient', { resourceType: 'Observation' }, 'x')).to.throw(/does not match the URL/);
    expect(() => shapeForWrite('Patient', { resourceType: 'Patient', meta: [] }, 'x')).to.throw();
  });
});
