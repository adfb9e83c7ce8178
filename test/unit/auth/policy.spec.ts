import { expect } from 'chai';
import { compartmentPatients, patientCompartmentParams, patientIdOf } from '../../../server/auth/policy/compartment.js';
import { entryAccess, interactionRule } from '../../../server/auth/policy/interactions.js';
import { canRead, canWrite, decide, isUnconstrained } from '../../../server/auth/policy/policy.js';
import type { Principal } from '../../../server/auth/policy/principal.js';
import { roleAllows } from '../../../server/auth/policy/roles.js';
import { resourceScopes } from '../../../server/auth/scopes/smart-scope.js';

const BASE = 'http://fhir.test/fhir';

function user(scope: string, extra: Partial<Principal> = {}): Principal {
  return { kind: 'user', clientId: 'app', role: 'clinician', scopes: resourceScopes(scope), tokenHash: 'h', expiresAt: 0, ...extra };
}
function system(scope: string): Principal {
  return { kind: 'system', clientId: 'backend', scopes: resourceScopes(scope), tokenHash: 'h', expiresAt: 0 };
}
const obs = (patient: string, category = 'laboratory'): Record<string, unknown> => ({
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
  code: { text: 'x' },
  subject: { reference: `Patient/${patient}` },
});

describe('auth/policy', () => {
  describe('compartment', () => {
    it('reads the compartment parameters from the R4 CompartmentDefinition', () => {
      expect(patientCompartmentParams('Observation')).to.deep.equal(['subject', 'performer']);
      expect(patientCompartmentParams('Practitioner')).to.deep.equal([]);
    });

    it('finds the patients a resource belongs to through relative and absolute references', () => {
      expect([...compartmentPatients(obs('p1'), BASE)]).to.deep.equal(['p1']);
      const appt = { resourceType: 'Appointment', participant: [{ actor: { reference: `${BASE}/Patient/p2` } }, { actor: { reference: 'Practitioner/d' } }] };
      expect([...compartmentPatients(appt, BASE)]).to.deep.equal(['p2']);
      expect([...compartmentPatients({ resourceType: 'Patient', id: 'p3' }, BASE)]).to.deep.equal(['p3']);
      expect(patientIdOf('http://elsewhere/fhir/Patient/p1', BASE)).to.equal(undefined);
      expect(patientIdOf('Patient/p1/_history/3', BASE)).to.equal('p1');
    });
  });

  describe('decide', () => {
    it('grants what the scopes grant, and nothing else', () => {
      const p = user('user/Observation.rs');
      expect(decide(p, 'r', 'Observation').allowed).to.equal(true);
      expect(decide(p, 'c', 'Observation').allowed).to.equal(false);
      expect(decide(p, 'r', 'Condition').allowed).to.equal(false);
      expect(isUnconstrained(decide(p, 'r', 'Observation'))).to.equal(true);
    });

    it('confines patient/ scopes to the patient in context, and refuses them without one', () => {
      const d = decide(user('patient/*.rs', { patient: 'p1' }), 'r', 'Observation');
      expect(d.allowed && d.alternatives).to.deep.equal([{ patient: 'p1', restrictions: [] }]);
      expect(decide(user('patient/*.rs'), 'r', 'Observation').allowed).to.equal(false);
    });

    it('limits user/ scopes by role: front desk cannot read notes, billing cannot write Observations', () => {
      expect(decide(user('user/*.cruds', { role: 'front-desk' }), 'r', 'DocumentReference').allowed).to.equal(false);
      expect(decide(user('user/*.cruds', { role: 'front-desk' }), 'u', 'Patient').allowed).to.equal(true);
      expect(decide(user('user/*.cruds', { role: 'billing' }), 'c', 'Observation').allowed).to.equal(false);
      expect(decide(user('user/*.cruds', { role: 'billing' }), 'c', 'Claim').allowed).to.equal(true);
      expect(roleAllows('clinician', 'AuditEvent', 'r')).to.equal(false);
      expect(roleAllows('admin', 'AuditEvent', 's')).to.equal(true);
    });

    it('confines user/ scopes of patient users to their own compartment', () => {
      const d = decide(user('user/*.rs', { role: 'patient', ownPatient: 'me' }), 's', 'Observation');
      expect(d.allowed && d.alternatives).to.deep.equal([{ patient: 'me', restrictions: [] }]);
    });

    it('keeps system/ scopes for backend clients and AuditEvent read-only for everyone', () => {
      expect(decide(system('system/*.rs'), 'r', 'Patient').allowed).to.equal(true);
      expect(decide(user('system/*.rs'), 'r', 'Patient').allowed).to.equal(false);
      expect(decide(system('system/*.cruds'), 'u', 'AuditEvent').allowed).to.equal(false);
      expect(decide(user('user/*.cruds', { role: 'admin' }), 'd', 'AuditEvent').allowed).to.equal(false);
    });
  });

  describe('canRead / canWrite', () => {
    it('lets a patient app read its patient and nobody else', () => {
      const p = user('patient/*.rs', { patient: 'p1' });
      expect(canRead(p, obs('p1'), BASE)).to.equal(true);
      expect(canRead(p, obs('p2'), BASE)).to.equal(false);
      expect(canRead(p, { resourceType: 'Patient', id: 'p1' }, BASE)).to.equal(true);
      expect(canRead(p, { resourceType: 'Patient', id: 'p2' }, BASE)).to.equal(false);
    });

    it('lets patient apps read shared reference data unless it points at another patient', () => {
      const p = user('patient/*.rs', { patient: 'p1' });
      expect(canRead(p, { resourceType: 'Practitioner', id: 'd1' }, BASE)).to.equal(true);
      expect(canRead(p, { resourceType: 'Device', id: 'x', patient: { reference: 'Patient/p2' } }, BASE)).to.equal(false);
      expect(canRead(p, { resourceType: 'Device', id: 'x', patient: { reference: 'Patient/p1' } }, BASE)).to.equal(true);
    });

    it('applies v2 search restrictions', () => {
      const p = user('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory', { patient: 'p1' });
      expect(canRead(p, obs('p1', 'laboratory'), BASE)).to.equal(true);
      expect(canRead(p, obs('p1', 'vital-signs'), BASE)).to.equal(false);
      const anySystem = user('user/Observation.rs?category=vital-signs');
      expect(canRead(anySystem, obs('p9', 'vital-signs'), BASE)).to.equal(true);
      expect(canRead(anySystem, obs('p9', 'laboratory'), BASE)).to.equal(false);
      const two = user('user/Observation.rs?category=vital-signs user/Observation.rs?category=laboratory');
      expect(canRead(two, obs('p9', 'laboratory'), BASE)).to.equal(true);
    });

    it('never grants a restriction it cannot evaluate (fail closed)', () => {
      expect(decide(user('user/Observation.rs?date=ge2020'), 'r', 'Observation').allowed).to.equal(false);
      expect(decide(user('user/Observation.rs?subject.name=x'), 'r', 'Observation').allowed).to.equal(false);
    });

    it('checks both the replaced and the new version of a write', () => {
      const p = user('patient/Observation.cruds', { patient: 'p1' });
      expect(canWrite(p, 'c', 'Observation', undefined, obs('p1'), BASE).allowed).to.equal(true);
      expect(canWrite(p, 'c', 'Observation', undefined, obs('p2'), BASE).allowed).to.equal(false);
      expect(canWrite(p, 'u', 'Observation', obs('p2'), obs('p1'), BASE).allowed).to.equal(false);
      expect(canWrite(p, 'u', 'Observation', obs('p1'), obs('p2'), BASE).allowed).to.equal(false);
      expect(canWrite(p, 'd', 'Observation', obs('p2'), undefined, BASE).allowed).to.equal(false);
      expect(canWrite(p, 'd', 'Observation', obs('p1'), undefined, BASE).allowed).to.equal(true);
      expect(canWrite(user('patient/*.cruds', { patient: 'p1' }), 'c', 'Practitioner', undefined, { resourceType: 'Practitioner' }, BASE).allowed).to.equal(false);
    });
  });

  describe('interactions', () => {
    it('maps every interaction to the SMART permission it needs, and unknown ones to nothing', () => {
      expect(interactionRule('read')).to.equal('r');
      expect(interactionRule('history-instance')).to.equal('r');
      expect(interactionRule('history-type')).to.equal('s');
      expect(interactionRule('search-system')).to.equal('s');
      expect(interactionRule('patch')).to.equal('u');
      expect(interactionRule('transaction')).to.equal('entries');
      expect(interactionRule('capabilities')).to.equal('public');
      expect(interactionRule('something-new')).to.equal(undefined);
      expect(interactionRule('toString')).to.equal(undefined);
    });

    it('derives a Bundle entry’s permission from its request', () => {
      expect(entryAccess('GET', 'Patient/1')).to.deep.equal({ resourceType: 'Patient', permission: 'r' });
      expect(entryAccess('GET', 'Observation?subject=Patient/1')).to.deep.equal({ resourceType: 'Observation', permission: 's' });
      expect(entryAccess('POST', 'Observation')).to.deep.equal({ resourceType: 'Observation', permission: 'c' });
      expect(entryAccess('POST', 'Observation/_search')).to.deep.equal({ resourceType: 'Observation', permission: 's' });
      expect(entryAccess('PUT', 'Observation/1')).to.deep.equal({ resourceType: 'Observation', permission: 'u' });
      expect(entryAccess('DELETE', 'Observation?code=x')).to.deep.equal({ resourceType: 'Observation', permission: 'd' });
    });
  });
});
