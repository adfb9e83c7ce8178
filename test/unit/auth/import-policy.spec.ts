import { expect } from 'chai';
import { importOwner, importRefusal, principalFromJson, principalJson } from '../../../server/auth/policy/import-policy.js';
import type { Principal } from '../../../server/auth/policy/principal.js';
import { resourceScopes } from '../../../server/auth/scopes/smart-scope.js';

const system: Principal = { kind: 'system', clientId: 'loader', scopes: resourceScopes('system/Patient.cruds system/Observation.cu?category=laboratory'), tokenHash: 'sha256:abc', expiresAt: 2_000_000_000 };
const clinician: Principal = { kind: 'user', clientId: 'ehr', subject: 'u1', role: 'clinician', scopes: resourceScopes('user/*.cruds'), tokenHash: 'sha256:def', expiresAt: 2_000_000_000 };

describe('$import policy', () => {
  it('refuses tokens confined to a patient, not others', () => {
    expect(importRefusal(system)).to.equal(undefined);
    expect(importRefusal(clinician)).to.equal(undefined);
    expect(importRefusal({ ...clinician, scopes: resourceScopes('patient/*.cruds'), patient: '123' })).to.contain('patient');
    expect(importRefusal({ ...clinician, role: 'patient', ownPatient: '123' })).to.contain('patient');
  });

  it('keeps a job to its submitter: the client, and for users the user too', () => {
    expect(importOwner(system)).to.equal('client:loader');
    expect(importOwner(clinician)).to.equal('user:ehr:u1');
    expect(importOwner({ ...clinician, subject: 'u2' })).to.not.equal(importOwner(clinician));
    expect(importOwner(undefined)).to.equal('anonymous');
  });

  it('stores the principal as JSON (scopes as strings) and reads it back the same', () => {
    const stored: unknown = JSON.parse(JSON.stringify(principalJson(clinician)));
    expect((stored as { scopes: unknown }).scopes).to.deep.equal(['user/*.cruds']);
    expect(principalFromJson(stored)).to.deep.equal(clinician);
    expect(principalFromJson(JSON.parse(JSON.stringify(principalJson(system))))).to.deep.equal(system);
    expect(principalFromJson({ kind: 'robot' })).to.equal(undefined);
  });
});
