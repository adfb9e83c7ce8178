/** Small valid resources; each test breaks one thing in a fresh copy. */

export type Json = Record<string, unknown>;

export function patient(): Json {
  return {
    resourceType: 'Patient',
    id: 'p1',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jane Doe</div>' },
    identifier: [{ system: 'urn:oid:1.2.3', value: '42' }],
    name: [{ family: 'Doe', given: ['Jane'] }],
    gender: 'female',
    birthDate: '1970-01-01',
  };
}

export function observation(): Json {
  return {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2020-01-01T10:00:00Z',
    valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  };
}

export function medicationRequest(): Json {
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: 'aspirin' },
    subject: { reference: 'Patient/p1' },
  };
}

export function transaction(entries: Json[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((resource) => ({ resource, request: { method: 'POST', url: String(resource['resourceType']) } })),
  };
}

/** A copy of `base` with `changes` applied at the top level (undefined deletes). */
export function withProps(base: Json, changes: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) Reflect.deleteProperty(out, k);
    else out[k] = v;
  }
  return out;
}
