import { expect } from 'chai';
import { describeScope } from '../../../server/auth/scopes/describe.js';
import { parseResourceScope, resourceScopes, scopeCovers } from '../../../server/auth/scopes/smart-scope.js';

function must(raw: string) {
  const s = parseResourceScope(raw);
  if (s === undefined) throw new Error(`${raw} did not parse`);
  return s;
}

describe('auth/scopes/smart-scope', () => {
  it('maps v1 suffixes to v2 permissions (read ⇒ rs, write ⇒ cud, * ⇒ cruds)', () => {
    expect([...must('patient/Observation.read').permissions]).to.deep.equal(['r', 's']);
    expect([...must('user/Observation.write').permissions]).to.deep.equal(['c', 'u', 'd']);
    expect([...must('patient/*.*').permissions]).to.deep.equal(['c', 'r', 'u', 'd', 's']);
    expect(must('patient/*.read').version).to.equal(1);
  });

  it('parses v2 permissions in cruds order and refuses out-of-order or unknown ones', () => {
    const s = must('patient/Observation.rs');
    expect(s.context).to.equal('patient');
    expect(s.resourceType).to.equal('Observation');
    expect([...s.permissions]).to.deep.equal(['r', 's']);
    expect(s.version).to.equal(2);
    expect(parseResourceScope('patient/Observation.dus')).to.equal(undefined);
    expect(parseResourceScope('patient/Observation.rr')).to.equal(undefined);
    expect(parseResourceScope('patient/Observation.x')).to.equal(undefined);
    expect(parseResourceScope('patient/Observation.')).to.equal(undefined);
  });

  it('refuses unknown contexts and resource types', () => {
    expect(parseResourceScope('group/Observation.rs')).to.equal(undefined);
    expect(parseResourceScope('patient/Observations.rs')).to.equal(undefined);
    expect(parseResourceScope('openid')).to.equal(undefined);
  });

  it('parses v2 search restrictions (and only on v2 scopes)', () => {
    const s = must('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
    expect(s.restrictions).to.deep.equal([
      { name: 'category', value: 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory' },
    ]);
    expect(must('user/Observation.rs?category=vital-signs&status=final').restrictions).to.have.length(2);
    expect(parseResourceScope('patient/Observation.read?category=x')).to.equal(undefined);
    expect(parseResourceScope('patient/Observation.rs?category')).to.equal(undefined);
  });

  it('picks the clinical scopes out of a scope string', () => {
    const list = resourceScopes('openid fhirUser launch/patient patient/Observation.rs patient/Patient.read offline_access');
    expect(list.map((s) => s.raw)).to.deep.equal(['patient/Observation.rs', 'patient/Patient.read']);
  });

  it('decides whether a registered scope covers a requested one', () => {
    expect(scopeCovers(must('patient/*.cruds'), must('patient/Observation.rs'))).to.equal(true);
    expect(scopeCovers(must('patient/*.rs'), must('patient/Observation.cu'))).to.equal(false);
    expect(scopeCovers(must('user/*.rs'), must('patient/Observation.rs'))).to.equal(false);
    expect(scopeCovers(must('patient/Observation.rs'), must('patient/Observation.rs?category=laboratory'))).to.equal(true);
    expect(scopeCovers(must('patient/Observation.rs?category=laboratory'), must('patient/Observation.rs'))).to.equal(false);
    expect(scopeCovers(must('system/*.read'), must('system/Patient.rs'))).to.equal(true);
  });

  it('describes scopes in plain words for the consent page', () => {
    expect(describeScope('patient/Observation.rs', 'your')).to.equal('Read and search your test results, vital signs and other measurements');
    expect(describeScope('patient/MedicationRequest.read', 'your')).to.equal('Read and search your prescriptions');
    expect(describeScope('user/CarePlan.cruds', 'your')).to.match(/^Add new, read, change, delete and search care plans you are allowed to see$/);
    expect(describeScope('patient/Observation.rs?category=http://x|laboratory', 'your')).to.match(/only where category is laboratory$/);
    expect(describeScope('offline_access', 'your')).to.match(/Keep access after you sign out/);
    expect(describeScope('patient/ServiceRequest.r', 'your')).to.equal('Read your service request records');
  });
});
