import type { OperationDefinition, Parameters, ParametersParameter } from 'fhir/r4.js';
import { FhirError } from '../../errors/fhir-error.js';
import type { ImportTotals } from '../../import/import-totals.js';
import type { ImportJob } from '../../store/import-job-types.js';
import type { FhirOperation } from './types.js';

/**
 * The asynchronous `$import` (issue #4) and its status URL, for the registry and the
 * CapabilityStatement. Both are answered by the import route (fhir/rest/import.ts)
 * before the operation dispatcher sees them: the body is streamed (NDJSON), the
 * answers carry the async pattern's headers (Content-Location, X-Progress) and the
 * status URL takes DELETE, none of which the dispatcher's JSON-in, resource-out
 * handlers can express.
 */

const BASE = 'http://fhir-pms.example.org/OperationDefinition';

function definition(code: string, description: string, affectsState: boolean, parameter: OperationDefinition['parameter']): OperationDefinition {
  return { resourceType: 'OperationDefinition', url: `${BASE}/${code}`, name: code, status: 'active', kind: 'operation', code, description, affectsState, system: true, type: false, instance: false, parameter };
}

const servedByRoute = (): Promise<never> => Promise.reject(new FhirError('internal', 'answered by the import route (fhir/rest/import.ts)'));

export const bulkImport: FhirOperation = {
  code: 'import',
  definition: definition(
    'import',
    'Loads NDJSON (application/fhir+ndjson: one resource per line; with an id an update-as-create, without one a create), a batch / transaction Bundle, or the NDJSON files a manifest names by URL (SMART Bulk Data Import: { inputFormat, inputSource, input: [{ type, url }] } or Parameters; URLs under IMPORT_ALLOWED_SOURCES only) in the background (http://hl7.org/fhir/R4/async.html: Prefer: respond-async, 202 and a status URL in Content-Location).',
    true,
    [{ name: 'job', use: 'out', min: 1, max: '1', type: 'string', documentation: 'The id of the job (also in the status URL).' }],
  ),
  resourceTypes: [],
  levels: ['system'],
  idempotent: false,
  handle: servedByRoute,
};

export const importPollStatus: FhirOperation = {
  code: 'import-poll-status',
  definition: definition(
    'import-poll-status',
    'Status of an $import job: 202 with X-Progress while it runs, 200 with its summary (Parameters) when done; DELETE cancels it (or forgets a finished one).',
    false,
    [{ name: 'job', use: 'in', min: 1, max: '1', type: 'string' }],
  ),
  resourceTypes: [],
  levels: ['system'],
  idempotent: true,
  handle: servedByRoute,
};

const int = (name: string, valueInteger: number): ParametersParameter => ({ name, valueInteger });

/**
 * The completion body. R4's async pattern leaves its content to the operation; a
 * Parameters keeps it FHIR (as `$reindex-status` is) and carries each failure's
 * OperationOutcome as a resource: `type` parts per resource type (loaded / skipped /
 * failed), `failure` parts with the NDJSON `line` (or Bundle `entry` index) and its
 * `outcome`; for a manifest's files also the file's `url` (alone when the file could
 * not be fetched).
 */
export function importSummary(job: ImportJob, totals: ImportTotals, statusUrl: string): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'job', valueString: job.id },
    { name: 'state', valueCode: job.state },
    { name: 'format', valueCode: job.format },
    { name: 'submitted', valueInstant: job.submitted.toISOString() },
    ...(job.finished === null ? [] : [{ name: 'finished', valueInstant: job.finished.toISOString() }]),
    int('lines', job.lines),
    int('loaded', totals.loaded),
    int('skipped', totals.skipped),
    int('failed', totals.failed),
  ];
  for (const [type, c] of totals.byType) {
    parameter.push({ name: 'type', part: [{ name: 'resourceType', valueCode: type }, int('loaded', c.loaded), int('skipped', c.skipped), int('failed', c.failed)] });
  }
  for (const f of totals.failures) {
    const where = f.line !== undefined ? [int('line', f.line)] : f.entry !== undefined ? [int('entry', f.entry)] : [];
    const file = f.url === undefined ? [] : [{ name: 'url', valueUrl: f.url }];
    parameter.push({ name: 'failure', part: [...file, ...where, { name: 'outcome', resource: f.outcome as NonNullable<ParametersParameter['resource']> }] });
  }
  if (totals.failuresOmitted > 0) parameter.push(int('failuresOmitted', totals.failuresOmitted));
  parameter.push({ name: 'status', valueUrl: statusUrl });
  return { resourceType: 'Parameters', parameter };
}
