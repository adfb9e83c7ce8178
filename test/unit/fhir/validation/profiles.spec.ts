import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { errorSummary, fullValidator, usCoreDefinitions, validatorWith } from './profile-fixture.js';

/**
 * Profile validation beyond the R4 base: US Core 5.0.1 (extension slices by url with type
 * profiles, required bindings to value sets we do not hold), our PMS profiles, extensions
 * against their definitions, and the meta.profile policy.
 */

type Json = Record<string, unknown>;

const US_CORE_PATIENT = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
const RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';

function usCorePatient(): Json {
  return {
    resourceType: 'Patient',
    meta: { profile: [US_CORE_PATIENT] },
    extension: [
      {
        url: RACE,
        extension: [
          { url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' } },
          { url: 'text', valueString: 'White' },
        ],
      },
    ],
    identifier: [{ system: 'http://hospital.example.org', value: '1032702' }],
    name: [{ family: 'Shaw', given: ['Amy'] }],
    gender: 'female',
  };
}

function pmsPatient(): Json {
  return {
    resourceType: 'Patient',
    meta: { profile: ['http://pms.example.org/fhir/StructureDefinition/pms-patient'] },
    identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:1.2.3', value: randomUUID() }],
    name: [{ family: 'Doe', given: ['Jane'] }],
    telecom: [{ system: 'phone', value: '+1 555 0101' }],
    gender: 'female',
    birthDate: '1980-02-29',
    contact: [
      {
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C' }] }],
        name: { family: 'Doe', given: ['John'] },
        telecom: [{ system: 'phone', value: '+1 555 0102' }],
      },
    ],
  };
}

describe('fhir/validation: profiles', () => {
  describe('US Core 5.0.1 (posted at runtime)', () => {
    const v = validatorWith(usCoreDefinitions());

    it('accepts a conforming patient; the race code is accepted with a warning, its value set not being held', () => {
      const issues = v.validate(usCorePatient());
      expect(errorSummary(issues)).to.deep.equal([]);
      expect(issues.some((i) => i.severity === 'warning' && i.code === 'code-invalid' && (i.expression ?? [])[0]?.includes('extension[0]'))).to.equal(true);
    });

    it('requires what the profile requires (identifier, gender)', () => {
      const { identifier: _i, gender: _g, ...rest } = usCorePatient();
      const found = errorSummary(v.validate(rest));
      expect(found).to.include('required @ Patient.identifier');
      expect(found).to.include('required @ Patient.gender');
    });

    it('checks an extension slice against its type profile: the race text is 1..1, ombCategory a Coding', () => {
      const p = usCorePatient();
      (p['extension'] as Json[])[0] = { url: RACE, extension: [{ url: 'ombCategory', valueString: 'White' }] };
      const found = errorSummary(v.validate(p));
      expect(found).to.include('required @ Patient.extension[0].extension');
      expect(found).to.include('structure @ Patient.extension[0].extension[0].valueString');
    });

    it('a slice over its maximum: two race extensions', () => {
      const p = usCorePatient();
      const ext = p['extension'] as Json[];
      ext.push(structuredClone(ext[0] ?? {}));
      expect(errorSummary(v.validate(p))).to.include('structure @ Patient.extension');
    });
  });

  describe('PMS profiles (shipped)', () => {
    it('PMS Patient: a complete patient conforms; no MRN, no telecom or an emergency contact without phone do not', () => {
      expect(errorSummary(fullValidator().validate(pmsPatient()))).to.deep.equal([]);
      const noMrn = { ...pmsPatient(), identifier: [{ system: 'urn:oid:1.2.3', value: 'x' }] };
      expect(errorSummary(fullValidator().validate(noMrn))).to.include('required @ Patient.identifier');
      const { telecom: _t, ...noTelecom } = pmsPatient();
      expect(errorSummary(fullValidator().validate(noTelecom))).to.include('required @ Patient.telecom');
      const noPhone = pmsPatient();
      for (const c of noPhone['contact'] as Json[]) delete c['telecom'];
      expect(errorSummary(fullValidator().validate(noPhone))).to.include('invariant @ Patient');
    });

    it('PMS Appointment: one patient and a practitioner, end after start, a bookable service', () => {
      const appt: Json = {
        resourceType: 'Appointment',
        meta: { profile: ['http://pms.example.org/fhir/StructureDefinition/pms-appointment'] },
        status: 'booked',
        serviceType: [{ coding: [{ system: 'http://pms.example.org/fhir/CodeSystem/pms-visit-type', code: 'video' }] }],
        start: '2026-12-01T09:00:00Z',
        end: '2026-12-01T09:15:00Z',
        participant: [
          { actor: { reference: 'Patient/p1' }, status: 'accepted' },
          { actor: { reference: 'Practitioner/d1' }, status: 'accepted' },
        ],
      };
      expect(errorSummary(fullValidator().validate(appt))).to.deep.equal([]);
      const noDoctor = { ...appt, participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }, { actor: { reference: 'Location/l1' }, status: 'accepted' }] };
      expect(errorSummary(fullValidator().validate(noDoctor))).to.include('required @ Appointment.participant');
      expect(errorSummary(fullValidator().validate({ ...appt, end: '2026-12-01T08:00:00Z' }))).to.include('invariant @ Appointment');
      const unbookable = fullValidator().validate({ ...appt, serviceType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/service-type', code: '1' }] }] });
      expect(unbookable.some((i) => i.severity === 'warning' && i.code === 'code-invalid')).to.equal(true);
    });

    it('PMS Coverage: the payor must be an Organization and a plan class is required', () => {
      const cov: Json = {
        resourceType: 'Coverage',
        meta: { profile: ['http://pms.example.org/fhir/StructureDefinition/pms-coverage'] },
        status: 'active',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EHCPOL' }] },
        subscriberId: 'AB123',
        beneficiary: { reference: 'Patient/p1' },
        relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] },
        period: { start: '2026-01-01' },
        payor: [{ reference: 'Organization/o1' }],
        class: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'plan' }] }, value: 'GOLD' }],
      };
      expect(errorSummary(fullValidator().validate(cov))).to.deep.equal([]);
      expect(errorSummary(fullValidator().validate({ ...cov, payor: [{ reference: 'Patient/p1' }] }))).to.include('structure @ Coverage.payor[0]');
      expect(errorSummary(fullValidator().validate({ ...cov, class: [] }))).to.include('required @ Coverage.class');
    });
  });

  describe('extensions and meta.profile', () => {
    it('checks an extension against its R4 definition, and notes an unknown one', () => {
      const p = { resourceType: 'Patient', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueString: 'Paris' }] };
      expect(errorSummary(fullValidator().validate(p))).to.include('structure @ Patient.extension[0].valueString');
      const unknown = fullValidator().validate({ resourceType: 'Patient', extension: [{ url: 'http://example.org/ext/shoe-size', valueInteger: 42 }] });
      expect(unknown.find((i) => i.code === 'extension')?.severity).to.equal('information');
    });

    it('an unknown meta.profile is a warning, or an error when the policy says so', () => {
      const p = { resourceType: 'Patient', meta: { profile: ['http://example.org/StructureDefinition/unknown'] } };
      const lenient = fullValidator().validate(p).find((i) => i.code === 'not-supported');
      expect(lenient?.severity).to.equal('warning');
      const strict = validatorWith([], { unknownProfile: 'error', requiredProfiles: new Map() });
      expect(errorSummary(strict.validate(p))).to.deep.equal(['not-supported @ Patient.meta.profile']);
    });

    it('required profiles apply to every resource of the type, declared or not', () => {
      const strict = validatorWith([], { unknownProfile: 'warning', requiredProfiles: new Map([['Patient', ['http://pms.example.org/fhir/StructureDefinition/pms-patient']]]) });
      const { meta: _m, ...undeclared } = pmsPatient();
      expect(errorSummary(strict.validate(undeclared))).to.deep.equal([]);
      expect(errorSummary(strict.validate({ resourceType: 'Patient', gender: 'male' }))).to.include('required @ Patient.birthDate');
      expect(errorSummary(strict.validate({ resourceType: 'Observation', status: 'final', code: { text: 'x' } }))).to.deep.equal([]);
    });
  });
});
