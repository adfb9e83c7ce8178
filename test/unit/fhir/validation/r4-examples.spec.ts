import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Issue } from '../../../../server/errors/issue.js';
import { isJsonObject } from '../../../../server/fhir/model/json-object.js';
import { r4PackageDirectory } from '../../../../server/fhir/model/r4-structure-definitions.js';
import { errorsOf } from './validator-fixture.js';

/**
 * Every instance example of the official R4 examples package (hl7.fhir.r4.examples@4.0.1,
 * one resource per file) must validate with no error. Filter: files whose resourceType is not
 * one of the conformance/terminology types below; that leaves 720 examples of 126 types,
 * among them 44 Bundles, validated with all their entries.
 */
const CONFORMANCE_TYPES = new Set([
  'StructureDefinition',
  'SearchParameter',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'OperationDefinition',
  'CapabilityStatement',
  'CompartmentDefinition',
  'ImplementationGuide',
  'NamingSystem',
  'StructureMap',
  'GraphDefinition',
  'MessageDefinition',
  'TerminologyCapabilities',
]);

interface Exception {
  /** The rule the example breaks, with the spec reference. */
  readonly reason: string;
  /** Every error of that example must be an instance of the cited rule. */
  readonly matches: (issue: Issue) => boolean;
}

/** Examples that break the R4 specification itself. Each needs a cited rule. */
const EXCEPTIONS: ReadonlyMap<string, Exception> = new Map([
  [
    'Questionnaire-qs1.json',
    {
      reason:
        'Questionnaire.item.linkId is 1..1 (https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item.linkId); ' +
        'the nested display items (fly-over help texts) of this example have none',
      matches: (i) => i.code === 'required' && (i.expression ?? []).every((e) => e.endsWith('.linkId')),
    },
  ],
]);

interface Example {
  readonly file: string;
  readonly resource: Record<string, unknown>;
  readonly type: string;
}

function instanceExamples(): Example[] {
  const dir = r4PackageDirectory();
  const out: Example[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json') || file === 'package.json') continue;
    const resource: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (!isJsonObject(resource) || typeof resource['resourceType'] !== 'string') continue;
    if (CONFORMANCE_TYPES.has(resource['resourceType'])) continue;
    out.push({ file, resource, type: resource['resourceType'] });
  }
  return out;
}

describe('fhir/validation: official R4 examples', () => {
  const examples = instanceExamples();

  it('covers the ~720 instance examples over 126 types', () => {
    expect(examples).to.have.length(720);
    expect(new Set(examples.map((e) => e.type)).size).to.equal(126);
  });

  it('accepts every instance example (Bundles with all their entries)', () => {
    const failures: string[] = [];
    for (const { file, resource } of examples) {
      const errors = errorsOf(resource);
      if (errors.length === 0) continue;
      const exception = EXCEPTIONS.get(file);
      const unexplained = exception === undefined ? errors : errors.filter((i) => !exception.matches(i));
      for (const i of unexplained.slice(0, 3)) failures.push(`${file}: ${i.code} ${i.diagnostics}`);
    }
    expect(failures).to.deep.equal([]);
  });

  it('still finds the violations each exception cites', () => {
    for (const [file, exception] of EXCEPTIONS) {
      const example = examples.find((e) => e.file === file);
      expect(example, file).to.not.equal(undefined);
      const errors = example === undefined ? [] : errorsOf(example.resource);
      expect(errors.length, `${file}: ${exception.reason}`).to.be.greaterThan(0);
      expect(errors.every(exception.matches), file).to.equal(true);
    }
  });
});
