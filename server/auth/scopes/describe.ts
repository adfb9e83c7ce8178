import { PERMISSION_ORDER, parseResourceScope, type Permission } from './smart-scope.js';

/**
 * Scopes in words a patient understands, for the consent page. Resource types
 * get everyday names where one exists; the rest are spelt out from their name
 * ("MedicationRequest" → "medication requests").
 */
const NAMES: Readonly<Record<string, string>> = {
  '*': 'all health records',
  Patient: 'personal details (name, birth date, contact details)',
  Observation: 'test results, vital signs and other measurements',
  Condition: 'health problems and diagnoses',
  AllergyIntolerance: 'allergies',
  MedicationRequest: 'prescriptions',
  MedicationStatement: 'medicines taken',
  Immunization: 'vaccinations',
  Procedure: 'procedures and operations',
  Encounter: 'visits and hospital stays',
  Appointment: 'appointments',
  DiagnosticReport: 'test and imaging reports',
  DocumentReference: 'clinical documents and notes',
  Coverage: 'insurance details',
  Claim: 'insurance claims',
  ExplanationOfBenefit: 'insurance payments',
  Practitioner: 'details of doctors, nurses and other staff',
  Organization: 'details of clinics and organisations',
  CarePlan: 'care plans',
  Goal: 'health goals',
  FamilyMemberHistory: 'family health history',
};

const VERBS: Readonly<Record<Permission, string>> = {
  c: 'add new',
  r: 'read',
  u: 'change',
  d: 'delete',
  s: 'search',
};

const OTHER: Readonly<Record<string, string>> = {
  openid: 'Confirm who you are',
  fhirUser: 'Know which person in the record you are',
  profile: 'See your name',
  offline_access: 'Keep access after you sign out, until you withdraw it',
  online_access: 'Keep access while you stay signed in',
  launch: 'Open with the record that is on screen',
  'launch/patient': 'Know which patient record to open',
  'launch/encounter': 'Know which visit to open',
};

function typeName(t: string): string {
  return NAMES[t] ?? `${t.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} records`;
}

function verbList(perms: ReadonlySet<Permission>): string {
  const words = PERMISSION_ORDER.filter((p) => perms.has(p)).map((p) => VERBS[p]);
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/**
 * One sentence per scope. `patientWords` is how the patient is named: "your"
 * when the signed-in user is the patient, "the selected patient's" for staff.
 */
export function describeScope(scope: string, patientWords: string): string {
  const other = OTHER[scope];
  if (other !== undefined) return other;
  const s = parseResourceScope(scope);
  if (s === undefined) return `Other access: ${scope}`;
  const verbs = verbList(s.permissions);
  const what = typeName(s.resourceType);
  const whose =
    s.context === 'patient' ? `${patientWords} ${what}` : s.context === 'user' ? `${what} you are allowed to see` : `${what} (system access)`;
  const only = s.restrictions.map((r) => `${r.name} is ${r.value.split('|').pop() ?? r.value}`).join(' and ');
  const sentence = `${verbs.charAt(0).toUpperCase()}${verbs.slice(1)} ${whose}`;
  return only === '' ? sentence : `${sentence}, only where ${only}`;
}
