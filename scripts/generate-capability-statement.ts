// Regenerates conformance/capability-statement.json from the route table.
// A test fails when the committed file and the generated statement differ.
import { writeFileSync } from 'node:fs';
import { committedCapabilityStatement } from '../server/fhir/conformance.js';

writeFileSync(new URL('../conformance/capability-statement.json', import.meta.url), `${JSON.stringify(committedCapabilityStatement(), null, 2)}\n`);
process.stdout.write('wrote conformance/capability-statement.json\n');
