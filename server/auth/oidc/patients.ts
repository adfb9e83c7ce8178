import { isJsonObject, type JsonObject } from '../../fhir/model/json-object.js';
import type { Repository } from '../../fhir/repository/repository.js';
import { patientIdOf } from '../policy/compartment.js';
import type { PatientOption } from './pages.js';

/**
 * Patient context for standalone launches: a patient user's own record, or
 * the patient a staff user picks (recently updated patients, or an id typed in).
 */
async function readJson(repo: Repository, type: string, id: string): Promise<JsonObject | undefined> {
  try {
    const s = await repo.read(type, id);
    const v: unknown = s.json === null ? undefined : JSON.parse(s.json);
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The Patient a user is (Patient/x) or acts for (RelatedPerson/y → its patient). */
export async function ownPatient(repo: Repository, fhirUser: string, baseUrl: string): Promise<string | undefined> {
  const [type, id] = fhirUser.split('/');
  if (id === undefined) return undefined;
  if (type === 'Patient') return id;
  if (type !== 'RelatedPerson') return undefined;
  const rp = await readJson(repo, 'RelatedPerson', id);
  const ref = rp?.['patient'];
  return isJsonObject(ref) && typeof ref['reference'] === 'string' ? patientIdOf(ref['reference'], baseUrl) : undefined;
}

export async function patientExists(repo: Repository, id: string): Promise<boolean> {
  return /^[A-Za-z0-9\-.]{1,64}$/.test(id) && (await readJson(repo, 'Patient', id)) !== undefined;
}

function label(p: JsonObject, id: string): string {
  const names = Array.isArray(p['name']) ? p['name'] : [];
  const n = names.find(isJsonObject);
  const given = n !== undefined && Array.isArray(n['given']) ? n['given'].filter((g) => typeof g === 'string').join(' ') : '';
  const family = n !== undefined && typeof n['family'] === 'string' ? n['family'] : '';
  const name = `${given} ${family}`.trim();
  const born = typeof p['birthDate'] === 'string' ? `, born ${p['birthDate']}` : '';
  return `${name === '' ? 'Unnamed patient' : name}${born} (record ${id})`;
}

/** Recently updated patients for the picker. */
export async function recentPatients(repo: Repository, limit: number): Promise<PatientOption[]> {
  const { versions } = await repo.history({ resourceType: 'Patient', count: limit * 3 });
  const out: PatientOption[] = [];
  const seen = new Set<string>();
  for (const v of versions) {
    if (seen.has(v.id)) continue;
    seen.add(v.id);
    if (v.deleted || v.json === null) continue;
    const parsed: unknown = JSON.parse(v.json);
    if (isJsonObject(parsed)) out.push({ id: v.id, label: label(parsed, v.id) });
    if (out.length >= limit) break;
  }
  return out;
}
