import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from 'fhir/r4.js';
import type { AuditRecord } from './audit-record.js';

/**
 * Builds the AuditEvent for a record, following the IHE Basic Audit Log
 * Patterns (https://profiles.ihe.net/ITI/BALP/): the client as Source Role ID,
 * this server as Destination Role ID, the user (or OAuth client) as the
 * requestor, the patient and the resources as entities. Pure.
 */
export interface AuditSource {
  /** Public FHIR base URL. */
  readonly baseUrl: string;
  /** OAuth issuer, the namespace of user and client identifiers. */
  readonly issuer: string;
  readonly softwareName: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const BALP_PROFILE = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition';
const AUTH_EVENT_SYSTEM = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';

const REST_TYPE: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' };
const AUTH_TYPE: Coding = { system: DCM, code: '110114', display: 'User Authentication' };
const LOGIN: Coding = { system: DCM, code: '110122', display: 'Login' };
const SMART_EVENTS = 'urn:fhir-pms:audit-event';

function profileFor(r: AuditRecord): string | undefined {
  if (r.kind !== 'rest' || r.outcome !== '0') return undefined;
  const withPatient = r.patients.length > 0 ? 'Patient' : '';
  switch (r.action) {
    case 'C':
      return `${BALP_PROFILE}/IHE.BasicAudit.${withPatient}Create`;
    case 'R':
      return r.query !== undefined ? `${BALP_PROFILE}/IHE.BasicAudit.${withPatient}Query` : `${BALP_PROFILE}/IHE.BasicAudit.${withPatient}Read`;
    case 'U':
      return `${BALP_PROFILE}/IHE.BasicAudit.${withPatient}Update`;
    case 'D':
      return `${BALP_PROFILE}/IHE.BasicAudit.${withPatient}Delete`;
    case 'E':
      return undefined;
  }
}

function subtype(r: AuditRecord): Coding[] {
  switch (r.kind) {
    case 'rest':
      return r.interaction === undefined ? [] : [{ system: 'http://hl7.org/fhir/restful-interaction', code: r.interaction, display: r.interaction }];
    case 'operation':
      return r.interaction === undefined ? [] : [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'operation', display: r.interaction }];
    case 'login':
      return [LOGIN];
    case 'token-issued':
      return [{ system: SMART_EVENTS, code: 'token-issued', display: 'Access token issued' }];
    case 'token-revoked':
      return [{ system: SMART_EVENTS, code: 'token-revoked', display: 'Token revoked' }];
    case 'launch':
      return [{ system: SMART_EVENTS, code: 'ehr-launch', display: 'EHR launch context created' }];
  }
}

function agents(r: AuditRecord, s: AuditSource): AuditEventAgent[] {
  const out: AuditEventAgent[] = [];
  const a = r.agent;
  if (a.kind === 'user' && (a.userId !== undefined || a.username !== undefined)) {
    out.push({
      type: { coding: [{ system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes', code: 'UserOauthAgent' }] },
      who: {
        ...(a.fhirUser === undefined ? {} : { reference: a.fhirUser }),
        identifier: { system: `${s.issuer}/users`, value: a.userId ?? a.username ?? 'unknown' },
        ...(a.username === undefined ? {} : { display: a.username }),
      },
      ...(a.role === undefined ? {} : { role: [{ text: a.role }] }),
      requestor: true,
      ...(a.tokenHash === undefined ? {} : { policy: [a.tokenHash] }),
    });
  }
  out.push({
    type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
    who: a.clientId === undefined ? { display: 'unauthenticated client' } : { identifier: { system: `${s.issuer}/clients`, value: a.clientId } },
    requestor: out.length === 0,
    ...(a.kind === 'system' && a.tokenHash !== undefined ? { policy: [a.tokenHash] } : {}),
    ...(a.address === undefined ? {} : { network: { address: a.address, type: '2' as const } }),
  });
  out.push({
    type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
    who: { display: s.softwareName },
    requestor: false,
    network: { address: s.baseUrl, type: '5' },
  });
  return out;
}

function entities(r: AuditRecord): AuditEventEntity[] {
  const out: AuditEventEntity[] = r.patients.map((p) => ({
    what: { reference: `Patient/${p}` },
    type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
    role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
  }));
  for (const ref of r.resources) {
    out.push({
      what: { reference: ref },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
    });
  }
  if (r.query !== undefined) {
    out.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(r.query, 'utf8').toString('base64'),
    });
  }
  if (r.requestId !== undefined) {
    out.push({ what: { identifier: { value: r.requestId } }, type: { system: AUTH_EVENT_SYSTEM, code: 'XrequestId' } });
  }
  return out;
}

export function toAuditEvent(r: AuditRecord, s: AuditSource): AuditEvent {
  const profile = profileFor(r);
  const sub = subtype(r);
  return {
    resourceType: 'AuditEvent',
    ...(profile === undefined ? {} : { meta: { profile: [profile] } }),
    type: r.kind === 'rest' || r.kind === 'operation' ? REST_TYPE : AUTH_TYPE,
    ...(sub.length === 0 ? {} : { subtype: sub }),
    action: r.action,
    recorded: r.recorded,
    outcome: r.outcome,
    ...(r.description === undefined ? {} : { outcomeDesc: r.description }),
    agent: agents(r, s),
    source: {
      observer: { display: s.softwareName },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    ...(entities(r).length === 0 ? {} : { entity: entities(r) }),
  };
}
