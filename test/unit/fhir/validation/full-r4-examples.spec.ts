import { expect } from 'chai';
import { r4InstanceExamples } from '../../../helpers/r4-examples.js';
import { INVALID_EXAMPLES } from '../../../helpers/r4-invalid-examples.js';
import { errorsOf, fullValidator } from './profile-fixture.js';

/**
 * Every instance example of hl7.fhir.r4.examples@4.0.1 against its base definition with full
 * validation (invariants, bindings, reference targets, extensions) and against every profile
 * it declares that the package holds; the examples that break R4's own rules are listed, with
 * the rule, in test/helpers/r4-invalid-examples.ts and in the README.
 */
describe('fhir/validation: R4 examples, full validation', function () {
  this.timeout(300_000);
  const examples = r4InstanceExamples();

  it('accepts every instance example, except the listed ones, whose every error is the cited rule', () => {
    expect(examples.length).to.equal(720);
    const failures: string[] = [];
    for (const { file, resource } of examples) {
      const errors = errorsOf(fullValidator().validate(resource));
      const exception = INVALID_EXAMPLES.get(file);
      if (exception === undefined) {
        for (const i of errors.slice(0, 3)) failures.push(`${file}: ${i.code} ${i.diagnostics}`);
      } else if (errors.length === 0 || !errors.every(exception.matches)) {
        failures.push(`${file}: expected only errors of "${exception.rule}", got ${errors.map((i) => i.diagnostics).slice(0, 3).join('; ')}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('validates the examples that declare a profile the package holds against it', () => {
    const declaring = examples.filter(({ resource }) => {
      const meta = resource['meta'] as { profile?: string[] } | undefined;
      return (meta?.profile ?? []).some((p) => fullValidator().definitions.profile(p) !== undefined);
    });
    expect(declaring.length).to.be.greaterThan(10);
    for (const { file, resource } of declaring) expect(errorsOf(fullValidator().validate(resource)), file).to.deep.equal([]);
  });
});
