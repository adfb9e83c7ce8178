import { PERMISSION_ORDER, type Permission } from '../scopes/smart-scope.js';

/**
 * What each staff or patient role may do, whatever scopes its apps are granted:
 * SMART scopes delegate a user's own rights and never widen them
 * (scopes-and-launch-context.html#smarts-scopes-are-used-to-delegate-access).
 */
export type Role = 'admin' | 'clinician' | 'front-desk' | 'billing' | 'patient';
export const ROLES: readonly Role[] = ['admin', 'clinician', 'front-desk', 'billing', 'patient'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const DIRECTORY = [
  'Practitioner', 'PractitionerRole', 'Organization', 'OrganizationAffiliation', 'Location', 'HealthcareService',
  'Endpoint', 'Medication', 'MedicationKnowledge', 'Substance', 'ValueSet', 'CodeSystem', 'ConceptMap',
  'StructureDefinition', 'SearchParameter', 'OperationDefinition', 'CapabilityStatement', 'Questionnaire',
  'PlanDefinition', 'ActivityDefinition', 'Library', 'ChargeItemDefinition', 'InsurancePlan',
];
const DEMOGRAPHIC = ['Patient', 'RelatedPerson', 'Person', 'Coverage', 'Consent'];
const SCHEDULING = ['Appointment', 'AppointmentResponse', 'Schedule', 'Slot', 'Communication', 'CommunicationRequest', 'Task'];
const BILLING = [
  'Account', 'ChargeItem', 'Invoice', 'Claim', 'ClaimResponse', 'ExplanationOfBenefit', 'PaymentNotice',
  'PaymentReconciliation', 'CoverageEligibilityRequest', 'CoverageEligibilityResponse', 'EnrollmentRequest',
  'EnrollmentResponse', 'Contract',
];
/** Clinical facts billing staff need to code a claim, read-only. */
const CODING = ['Encounter', 'Condition', 'Procedure', 'EpisodeOfCare'];

/** Resource types only administrators may read (the audit trail). */
export const ADMIN_ONLY: ReadonlySet<string> = new Set(['AuditEvent']);

interface RoleRule {
  /** Permissions per listed type. */
  readonly types: ReadonlyMap<string, ReadonlySet<Permission>>;
  /** Permissions on every other type. */
  readonly others: ReadonlySet<Permission>;
}

const set = (p: string): ReadonlySet<Permission> => new Set(PERMISSION_ORDER.filter((x) => p.includes(x)));

function rule(others: string, ...groups: [readonly string[], string][]): RoleRule {
  const types = new Map<string, ReadonlySet<Permission>>();
  for (const [names, perms] of groups) for (const n of names) types.set(n, set(perms));
  return { types, others: set(others) };
}

const RULES: Readonly<Record<Role, RoleRule>> = {
  admin: rule('cruds'),
  clinician: rule('cruds', [BILLING, 'rs']),
  'front-desk': rule('', [DEMOGRAPHIC, 'cruds'], [SCHEDULING, 'cruds'], [DIRECTORY, 'rs'], [['Encounter'], 'rs']),
  billing: rule('', [BILLING, 'cruds'], [DEMOGRAPHIC, 'rs'], [['Coverage'], 'crus'], [DIRECTORY, 'rs'], [CODING, 'rs']),
  // Confined to the patient's own compartment elsewhere; here: what they may do inside it.
  patient: rule(
    'rs',
    [['Patient'], 'rsu'],
    // Patient-generated data (home measurements, questionnaires), bookings and messages.
    [['Observation', 'Appointment', 'AppointmentResponse', 'Communication', 'QuestionnaireResponse'], 'crus'],
  ),
};

/** Whether a role allows a permission on a resource type. */
export function roleAllows(role: Role, resourceType: string, permission: Permission): boolean {
  if (ADMIN_ONLY.has(resourceType) && role !== 'admin') return false;
  const r = RULES[role];
  return (r.types.get(resourceType) ?? r.others).has(permission);
}
