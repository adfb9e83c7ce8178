import { r4TypeDefinitions } from './r4-structure-definitions.js';

/**
 * The 146 concrete resource types of FHIR R4 (https://hl7.org/fhir/R4/resourcelist.html),
 * derived at load time from the official base StructureDefinitions: kind `resource`,
 * not abstract (so not Resource or DomainResource).
 */
export const RESOURCE_TYPES: ReadonlySet<string> = new Set(
  r4TypeDefinitions()
    .filter((d) => d.kind === 'resource' && !d.abstract)
    .map((d) => d.name),
);

export function isResourceType(t: string): boolean {
  return RESOURCE_TYPES.has(t);
}
