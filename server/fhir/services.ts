import type { Config } from '../config/schema.js';
import type { ResourceStore } from '../store/resource-store.js';
import { Repository } from './repository/repository.js';
import { createSearchEngine, type SearchEngine } from './search/engine.js';
import { createConformance, parseRequiredProfiles, type Conformance } from './validation/conformance.js';
import type { Logger } from 'pino';
import type { Validator } from './validation/index.js';
import { ValidationThreads } from './validation/threads/validation-threads.js';

/** The FHIR services of one process, free of HTTP. */
export interface FhirServices {
  /** Search (issue #3): parameters in force (official + custom), service, write-path indexer, $reindex. */
  readonly search: SearchEngine;
  /** Profiles, terminology and full validation over the R4 package, our files and the database (issue #5). */
  readonly conformance: Conformance;
  /** Every write goes through it: validated by `conformance`, indexed by `search`. */
  readonly repository: Repository;
}

/**
 * Wires the services once per process. The server (buildApp) and the bulk importer
 * (npm run cli -- import) both build them here, so a resource loaded from a file is
 * validated, indexed and stored exactly as one sent over HTTP.
 */
export function createFhirServices(store: ResourceStore, validator: Validator, config: Config, baseUrl: string, threads?: ValidationThreads): FhirServices {
  const search = createSearchEngine(store, config, baseUrl);
  const conformance = createConformance(validator, store.conformance(), {
    refreshMs: config.conformanceRefreshMs,
    threads,
    policy: {
      unknownProfile: config.validationUnknownProfile,
      requiredProfiles: parseRequiredProfiles(config.validationRequiredProfiles),
    },
  });
  const repository = new Repository(store, conformance.validator, search.indexer, conformance.many);
  repository.observe({ beforeWrite: () => conformance.ensureFresh(), committed: (types) => conformance.written(types) });
  return { search, conformance, repository };
}

/** The validation threads VALIDATION_THREADS asks for, loading their definitions from now on; none for 0. */
export function startValidationThreads(config: Config, log: Logger): ValidationThreads | undefined {
  if (config.validationThreads === 0) return undefined;
  const threads = new ValidationThreads({
    count: config.validationThreads,
    unknownProfile: config.validationUnknownProfile,
    requiredProfiles: parseRequiredProfiles(config.validationRequiredProfiles),
    log,
  });
  threads.start();
  return threads;
}
