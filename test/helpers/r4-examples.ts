import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Conformance and terminology resources of the R4 examples package: the
 * specification's own definitions, not instance examples.
 */
export const CONFORMANCE_TYPES: ReadonlySet<string> = new Set([
  'CapabilityStatement',
  'CodeSystem',
  'CompartmentDefinition',
  'ConceptMap',
  'GraphDefinition',
  'ImplementationGuide',
  'MessageDefinition',
  'NamingSystem',
  'OperationDefinition',
  'SearchParameter',
  'StructureDefinition',
  'StructureMap',
  'TerminologyCapabilities',
  'ValueSet',
]);

export interface Example {
  readonly file: string;
  readonly resource: Record<string, unknown> & { resourceType: string; id: string };
}

/** Every instance example of hl7.fhir.r4.examples@4.0.1 (npm, CC0). */
export function r4InstanceExamples(): Example[] {
  const dir = path.dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
  const out: Example[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
    const resource = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Example['resource'];
    if (typeof resource.resourceType !== 'string' || CONFORMANCE_TYPES.has(resource.resourceType)) continue;
    out.push({ file, resource });
  }
  return out;
}
