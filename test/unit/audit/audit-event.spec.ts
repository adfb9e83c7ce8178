import { expect } from 'chai';
import { toAuditEvent } from '../../../server/audit/audit-event.js';
import type { AuditRecord } from '../../../server/audit/audit-record.js';
import { validator } from '../fhir/validation/validator-fixture.js';

const SOURCE = { baseUrl: 'https://pms.example/fhir', issuer: 'https://pms.example/auth', softwareName: 'fhir-pms' };

const read: AuditRecord = {
  kind: 'rest',
  recorded: '2026-11-27T10:00:00.000Z',
  action: 'R',
  outcome: '0',
  interaction: 'read',
  agent: { kind: 'user', clientId: 'app1', userId: 'u1', username: 'drwho', fhirUser: 'Practitioner/p1', role: 'clinician', tokenHash: 'sha256:abc', address: '10.0.0.1' },
  resources: ['Observation/o1/_history/3'],
  patients: ['pat1'],
  requestId: 'req-1',
};

describe('audit/audit-event (IHE BALP)', () => {
  it('builds a valid R4 AuditEvent for a patient read, with the BALP PatientRead profile', () => {
    const ev = toAuditEvent(read, SOURCE);
    expect(validator().validate(ev).filter((i) => i.severity === 'error')).to.deep.equal([]);
    expect(ev.meta?.profile).to.deep.equal(['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead']);
    expect(ev.type.code).to.equal('rest');
    expect(ev.subtype?.[0]?.code).to.equal('read');
    const agentTypes = ev.agent.map((a) => a.type?.coding?.[0]?.code);
    expect(agentTypes).to.deep.equal(['UserOauthAgent', '110153', '110152']);
    expect(ev.agent[0]?.who?.reference).to.equal('Practitioner/p1');
    expect(ev.agent[0]?.policy).to.deep.equal(['sha256:abc']);
    expect(ev.agent[1]?.who?.identifier?.value).to.equal('app1');
    expect(ev.entity?.map((e) => e.role?.code ?? e.type?.code)).to.deep.equal(['1', '4', 'XrequestId']);
    expect(ev.entity?.[0]?.what?.reference).to.equal('Patient/pat1');
  });

  it('encodes a search query as a Query entity and picks the Query profile', () => {
    const ev = toAuditEvent({ ...read, interaction: 'search-type', query: 'subject=Patient/pat1&code=x' }, SOURCE);
    expect(validator().validate(ev).filter((i) => i.severity === 'error')).to.deep.equal([]);
    expect(ev.meta?.profile?.[0]).to.match(/PatientQuery$/);
    const q = ev.entity?.find((e) => e.role?.code === '24');
    expect(Buffer.from(q?.query ?? '', 'base64').toString('utf8')).to.equal('subject=Patient/pat1&code=x');
  });

  it('records failed sign-ins as DICOM user authentication events with a minor-failure outcome', () => {
    const ev = toAuditEvent(
      { kind: 'login', recorded: read.recorded, action: 'E', outcome: '4', agent: { kind: 'user', username: 'x', clientId: 'app1' }, resources: [], patients: [], description: 'Sign-in failed' },
      SOURCE,
    );
    expect(validator().validate(ev).filter((i) => i.severity === 'error')).to.deep.equal([]);
    expect(ev.type.code).to.equal('110114');
    expect(ev.subtype?.[0]?.code).to.equal('110122');
    expect(ev.outcome).to.equal('4');
    expect(ev.outcomeDesc).to.equal('Sign-in failed');
    expect(ev.meta).to.equal(undefined);
  });
});
