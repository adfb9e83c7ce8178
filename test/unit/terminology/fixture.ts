import { createRegistry } from '../../../server/terminology/shipped-layer.js';
import { TerminologyService } from '../../../server/terminology/terminology-service.js';

let shared: TerminologyService | undefined;

/** Terminology over the R4 package and what we ship (one per test process). */
export function terminology(): TerminologyService {
  shared ??= new TerminologyService(createRegistry());
  return shared;
}

export const VISIT = 'http://pms.example.org/fhir/CodeSystem/pms-visit-type';
