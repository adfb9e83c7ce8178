// The practice queries of the search benchmark (issue #3 "How it is judged"),
// each a template filled from values picked out of the loaded database.
import type pg from 'pg';

export type QueryClass = 'simple' | 'complex';

export interface Picks {
  readonly patients: readonly { id: string; family: string; birthDate: string; identifier: string }[];
  readonly practitioners: readonly { id: string; family: string }[];
}

export interface PracticeQuery {
  readonly name: string;
  /** simple: one or two parameters (target p95 ≤ 25 ms); complex: chains, _has, includes (≤ 60 ms). */
  readonly kind: QueryClass;
  /** The i-th instance (different patients etc.), relative to the FHIR base. */
  readonly url: (p: Picks, i: number) => string;
  /** Follow `next` this many times first and time the page reached (deep paging). */
  readonly deepPages?: number;
}

const at = <T>(xs: readonly T[], i: number): T => {
  const x = xs[i % xs.length];
  if (x === undefined) throw new Error('no picks');
  return x;
};
const LOINC = 'http://loinc.org';

export const QUERIES: readonly PracticeQuery[] = [
  { name: 'Patient by name', kind: 'simple', url: (p, i) => `Patient?name=${at(p.patients, i).family}` },
  { name: 'Patient by birthdate', kind: 'simple', url: (p, i) => `Patient?birthdate=${at(p.patients, i).birthDate}` },
  { name: 'Patient by identifier', kind: 'simple', url: (p, i) => `Patient?identifier=${encodeURIComponent(at(p.patients, i).identifier)}` },
  { name: "patient's Observations by code", kind: 'simple', url: (p, i) => `Observation?patient=${at(p.patients, i).id}&code=${LOINC}|29463-7` },
  {
    name: "patient's Observations by code + date range",
    kind: 'simple',
    url: (p, i) => `Observation?patient=${at(p.patients, i).id}&code=${LOINC}|8302-2&date=ge2000-01-01&date=lt2030-01-01`,
  },
  { name: 'vital signs: body weight > 100 kg (composite)', kind: 'simple', url: () => `Observation?code-value-quantity=${LOINC}|29463-7$gt100` },
  {
    name: "patient's systolic BP > 130 (composite, components)",
    kind: 'simple',
    url: (p, i) => `Observation?patient=${at(p.patients, i).id}&combo-code-value-quantity=${LOINC}|8480-6$gt130`,
  },
  { name: 'Encounters on a day', kind: 'simple', url: (_p, i) => `Encounter?date=20${10 + (i % 10)}-03-${String(10 + (i % 18))}` },
  { name: 'Encounters by practitioner', kind: 'simple', url: (p, i) => `Encounter?practitioner=${at(p.practitioners, i).id}` },
  {
    name: 'Encounters by practitioner + date range',
    kind: 'simple',
    url: (p, i) => `Encounter?practitioner=${at(p.practitioners, i).id}&date=ge2015-01-01&date=lt2020-01-01`,
  },
  {
    name: 'MedicationRequests by patient + status, _include medication',
    kind: 'complex',
    url: (p, i) => `MedicationRequest?patient=${at(p.patients, i).id}&status=active,stopped&_include=MedicationRequest:medication`,
  },
  { name: 'Claims by patient + status', kind: 'simple', url: (p, i) => `Claim?patient=${at(p.patients, i).id}&status=active` },
  {
    name: 'Encounters of a patient, _revinclude Observations',
    kind: 'complex',
    url: (p, i) => `Encounter?patient=${at(p.patients, i).id}&_count=5&_revinclude=Observation:encounter`,
  },
  {
    name: 'two-level chain: Encounters of patients of a GP (by name)',
    kind: 'complex',
    url: (p, i) => `Encounter?subject:Patient.general-practitioner:Practitioner.name=${at(p.practitioners, i).family}`,
  },
  { name: '_has: patients with a BMI percentile Observation', kind: 'complex', url: (p, i) => `Patient?_has:Observation:patient:code=${LOINC}|59576-9&birthdate=ge${at(p.patients, i).birthDate.slice(0, 4)}` },
  { name: "_sort by date: a patient's latest Observations", kind: 'simple', url: (p, i) => `Observation?patient=${at(p.patients, i).id}&_sort=-date&_count=10` },
  { name: 'deep page (page 100 of body heights)', kind: 'simple', url: () => `Observation?code=${LOINC}|8302-2&_count=20`, deepPages: 99 },
  { name: '_summary=count of body heights', kind: 'simple', url: () => `Observation?code=${LOINC}|8302-2&_summary=count` },
  { name: "patient's active Conditions", kind: 'simple', url: (p, i) => `Condition?patient=${at(p.patients, i).id}&clinical-status=active` },
];

/** Random patients and practitioners of the loaded data. */
export async function pick(pool: pg.Pool, n: number): Promise<Picks> {
  const patients = await pool.query<{ id: string; family: string; birth: string; system: string; value: string }>(
    `SELECT id, content->'name'->0->>'family' AS family, content->>'birthDate' AS birth,
            content->'identifier'->0->>'system' AS system, content->'identifier'->0->>'value' AS value
       FROM resource WHERE resource_type = 'Patient' AND NOT deleted ORDER BY random() LIMIT $1`,
    [n],
  );
  const practitioners = await pool.query<{ id: string; family: string }>(
    `SELECT id, content->'name'->0->>'family' AS family FROM resource
      WHERE resource_type = 'Practitioner' AND NOT deleted ORDER BY random() LIMIT $1`,
    [n],
  );
  return {
    patients: patients.rows.map((r) => ({ id: r.id, family: r.family, birthDate: r.birth, identifier: `${r.system}|${r.value}` })),
    practitioners: practitioners.rows,
  };
}
