import type { OperationDefinition, Parameters, ParametersParameter } from 'fhir/r4.js';
import { invalid, notFound } from '../../errors/fhir-error.js';
import type { ReindexJob } from '../../store/search/reindex-store.js';
import { primitiveParam } from './input.js';
import type { FhirOperation } from './types.js';

/**
 * `$reindex` (issue #3): recompute search index rows with the parameters now in
 * force, after custom SearchParameters were added or changed. Type level
 * (`POST [base]/[type]/$reindex`) starts a background job and answers 202 with
 * its id; `GET [base]/$reindex-status?job=<id>` reports its progress from any
 * server process. Instance level (`POST [base]/[type]/[id]/$reindex`) reindexes
 * that resource at once.
 */

const BASE = 'http://fhir-pms.example.org/OperationDefinition';

function definition(code: string, description: string, system: boolean, type: boolean, instance: boolean, params: OperationDefinition['parameter']): OperationDefinition {
  return {
    resourceType: 'OperationDefinition',
    url: `${BASE}/${code}`,
    name: code,
    status: 'active',
    kind: 'operation',
    code,
    description,
    affectsState: code === 'reindex',
    system,
    type,
    instance,
    ...(params === undefined ? {} : { parameter: params }),
  };
}

function jobParameters(job: ReindexJob, baseUrl: string): Record<string, unknown> {
  const parameter: ParametersParameter[] = [
    { name: 'job', valueString: job.id },
    { name: 'resourceType', valueCode: job.resourceType },
    { name: 'state', valueCode: job.state },
    { name: 'total', valueInteger: job.total },
    { name: 'processed', valueInteger: job.processed },
    { name: 'started', valueInstant: job.started.toISOString() },
    { name: 'updated', valueInstant: job.updated.toISOString() },
    { name: 'status', valueUrl: `${baseUrl}/$reindex-status?job=${job.id}` },
  ];
  if (job.finished !== null) parameter.push({ name: 'finished', valueInstant: job.finished.toISOString() });
  if (job.error !== null) parameter.push({ name: 'error', valueString: job.error });
  const out: Parameters = { resourceType: 'Parameters', parameter };
  return { ...out };
}

export const reindex: FhirOperation = {
  code: 'reindex',
  definition: definition('reindex', 'Recompute the search index rows of every resource of a type (in the background) or of one resource.', false, true, true, [
    { name: 'job', use: 'out', min: 0, max: '1', type: 'string' },
    { name: 'state', use: 'out', min: 0, max: '1', type: 'code' },
    { name: 'rows', use: 'out', min: 0, max: '1', type: 'integer' },
  ]),
  resourceTypes: '*',
  levels: ['type', 'instance'],
  idempotent: false,
  async handle(request, deps) {
    const type = request.resourceType ?? '';
    if (request.id === undefined) {
      const job = await deps.reindexer.start(type);
      return { status: 202, resource: jobParameters(job, deps.baseUrl) };
    }
    const rows = await deps.reindexer.one(type, request.id);
    if (rows === undefined) throw notFound(`${type}/${request.id} is not known`);
    return { status: 200, resource: { resourceType: 'Parameters', parameter: [{ name: 'rows', valueInteger: rows }] } };
  },
};

export const reindexStatus: FhirOperation = {
  code: 'reindex-status',
  definition: definition('reindex-status', 'Progress of a $reindex job.', true, false, false, [
    { name: 'job', use: 'in', min: 1, max: '1', type: 'string' },
  ]),
  resourceTypes: [],
  levels: ['system'],
  idempotent: true,
  async handle(request, deps) {
    const id = primitiveParam(request.input, 'job');
    if (id === undefined || !/^[0-9a-f-]{36}$/.test(id)) throw invalid('job: the id of a $reindex job is required');
    const job = await deps.reindexer.job(id);
    if (job === undefined) throw notFound(`No $reindex job ${id}`);
    return { status: 200, resource: jobParameters(job, deps.baseUrl) };
  },
};
