import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StructureDefinition } from 'fhir/r4.js';
import { r4PackageDirectory } from './r4-structure-definitions.js';

let resourceDefinitions: readonly StructureDefinition[] | undefined;

/**
 * The full base StructureDefinitions of the 146 concrete R4 resource types, from
 * the official hl7.fhir.r4.examples@4.0.1 package (not Medplum's copies, which are
 * edited in places; see r4-structure-definitions.ts). Read once per process.
 */
export function resourceStructureDefinitions(): readonly StructureDefinition[] {
  if (resourceDefinitions === undefined) {
    const dir = r4PackageDirectory();
    const out: StructureDefinition[] = [];
    for (const file of readdirSync(dir)) {
      if (!file.startsWith('StructureDefinition-') || !file.endsWith('.json')) continue;
      const sd = JSON.parse(readFileSync(join(dir, file), 'utf8')) as StructureDefinition;
      if (sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization' && sd.fhirVersion === '4.0.1') {
        out.push(sd);
      }
    }
    resourceDefinitions = out.sort((a, b) => a.type.localeCompare(b.type));
  }
  return resourceDefinitions;
}
