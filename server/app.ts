import Koa from 'koa';
import type { Logger } from 'pino';
import { checkAuthMode, issuerFor, type AuthSetup } from './auth/auth-setup.js';
import { smartRestSecurity } from './auth/oidc/well-known.js';
import { authenticate } from './auth/guard/authenticate.js';
import { fhirCors } from './auth/guard/cors.js';
import type { Config } from './config/schema.js';
import { FhirError, notFound } from './errors/fhir-error.js';
import { BundleProcessor } from './fhir/bundle/bundle-processor.js';
import { buildCapabilityStatement, type SoftwareInfo } from './fhir/capability-statement.js';
import { OPERATIONS } from './fhir/operations/registry.js';
import { operationDispatcher } from './fhir/rest/operation.js';
import { importRoutes } from './fhir/rest/import.js';
import { fhirRouter, methodNotAllowed, ROUTES } from './fhir/rest/routes.js';
import { createFhirServices } from './fhir/services.js';
import type { ValidationThreads } from './fhir/validation/threads/validation-threads.js';
import type { Validator } from './fhir/validation/index.js';
import { ImportWorker } from './import/import-worker.js';
import { parseAllowList } from './import/source-allow-list.js';
import { errorHandler } from './http/error-handler.js';
import { healthRouter } from './http/health.js';
import { responseFormat } from './http/negotiate.js';
import { createMetrics, observe } from './http/observe.js';
import type { AppMiddleware, AppState } from './http/state.js';
import type { ResourceStore } from './store/resource-store.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: ResourceStore;
  readonly validator: Validator;
  readonly log: Logger;
  readonly software: SoftwareInfo;
  /** Readiness beyond "the database answers": e.g. migrations are current. */
  readonly ready: () => Promise<void>;
  /** SMART on FHIR authorization and audit (server/auth); required when AUTH_MODE=smart. */
  readonly auth?: AuthSetup;
  /** VALIDATION_THREADS (startValidationThreads); without them everything is validated on the request thread. */
  readonly validationThreads?: ValidationThreads | undefined;
}

/** Public FHIR base URL without trailing slash. */
export function fhirBaseUrl(config: Config, port: number): string {
  return (config.baseUrl ?? `http://${config.host}:${port}/fhir`).replace(/\/+$/, '');
}

const negotiate: AppMiddleware = async function negotiate(ctx, next) {
  const format = ctx.query['_format'];
  ctx.state.format = 'application/fhir+json';
  ctx.state.format = responseFormat(Array.isArray(format) ? format[0] : format, ctx.get('accept') || undefined);
  await next();
};

/** Anything no route answered (and that is not a 405) is a 404 OperationOutcome. */
const notFoundFallback: AppMiddleware = async function notFoundFallback(ctx, next) {
  await next();
  if (ctx.status === 404 && ctx.body == null) throw notFound(`No FHIR endpoint at ${ctx.method} ${ctx.path}`);
};

/** The Koa application and the background worker that runs its `$import` jobs. */
export interface AppParts {
  readonly app: Koa<AppState>;
  /** Start it next to the other workers (main.ts); IMPORT_WORKER_INTERVAL_MS=0 leaves it idle. */
  readonly importWorker: ImportWorker;
}

/**
 * Builds the Koa application, never listening (tests use app.callback()), and the
 * `$import` worker on the same repository.
 */
export function buildApp(deps: AppDeps, baseUrl: string): AppParts {
  checkAuthMode(deps.config);
  if (deps.config.authMode === 'smart' && deps.auth === undefined) throw new Error('AUTH_MODE=smart needs the auth setup (prepareAuth)');
  // Behind a reverse proxy (TRUST_PROXY) ctx.secure and ctx.ip come from X-Forwarded-*: oidc-provider then marks its cookies Secure.
  const app = new Koa<AppState>({ proxy: deps.config.trustProxy });
  const metrics = createMetrics(() => deps.store.outboxBacklog());
  // Search engine, conformance (validation) and repository: shared with the bulk importer (fhir/services.ts).
  const services = createFhirServices(deps.store, deps.validator, deps.config, baseUrl, deps.validationThreads);
  const { conformance, repository } = services;
  const { service: search, reindexer } = services.search;
  const auth = deps.config.authMode === 'smart' ? deps.auth?.layer(repository, baseUrl) : undefined;
  const security = deps.config.authMode === 'smart' ? smartRestSecurity(issuerFor(deps.config, baseUrl)) : undefined;
  const capabilityStatement = buildCapabilityStatement(ROUTES, OPERATIONS, baseUrl, deps.software, security);
  const bundles = new BundleProcessor({ repository, search, serverBase: baseUrl, maxEntries: deps.config.bundleMaxEntries, maxConcurrent: deps.config.bundleMaxConcurrent, maxBytesInFlight: deps.config.bundleMaxBytesInFlight });
  const imports = deps.store.imports();
  // Parsed once, here: a bad IMPORT_ALLOWED_SOURCES stops the start with a message naming the entry.
  const allowedSources = parseAllowList(deps.config.importAllowedSources);
  // The worker gets a processor of its own: its chunks do not queue behind (or hold up) the BUNDLE_MAX_CONCURRENT posted Bundles.
  const importWorker = new ImportWorker(
    imports,
    new BundleProcessor({ repository, search, serverBase: baseUrl, maxEntries: Math.max(deps.config.bundleMaxEntries, deps.config.importChunkLines) }),
    auth?.importAccess ?? (() => undefined),
    deps.log,
    {
      intervalMs: deps.config.importWorkerIntervalMs,
      retentionHours: deps.config.importRetentionHours,
      retryBaseMs: deps.config.importRetryBaseMs,
      fetch: { allow: allowedSources, maxBytes: deps.config.importMaxBytes, timeoutMs: deps.config.importFetchTimeoutMs, chunkLines: deps.config.importChunkLines, maxLineBytes: deps.config.maxBodyBytes },
    },
  );
  const fhir = fhirRouter({
    repository,
    baseUrl,
    maxBodyBytes: deps.config.maxBodyBytes,
    historyDefaultCount: deps.config.historyDefaultCount,
    historyMaxCount: deps.config.historyMaxCount,
    search,
    bundles,
    bundleMaxBytes: deps.config.bundleMaxBytes,
    capabilityStatement,
  }, auth?.routeGuard);
  const health = healthRouter({ store: deps.store, ready: deps.ready, metrics });
  app.use(observe(deps.log, metrics));
  app.use(errorHandler);
  app.use(health.routes());
  app.use(fhirCors);
  if (auth !== undefined) {
    // The authorization server's signed cookies use the app's keys (koa-mount shares the context).
    app.keys = [...auth.cookieKeys];
    app.use(auth.routes);
  }
  app.use(notFoundFallback);
  app.use(negotiate);
  app.use(authenticate(auth?.verifier, baseUrl));
  if (auth !== undefined) app.use(auth.operationGuard);
  app.use(
    importRoutes({
      store: imports,
      baseUrl,
      maxBytes: deps.config.importMaxBytes,
      chunkLines: deps.config.importChunkLines,
      maxLineBytes: deps.config.maxBodyBytes,
      allowedSources,
      bundleMaxBytes: deps.config.bundleMaxBytes,
      bundleMaxEntries: deps.config.bundleMaxEntries,
    }),
  );
  app.use(operationDispatcher(OPERATIONS, { repository, validator: conformance.validator, baseUrl, conformance, reindexer }, deps.config.maxBodyBytes));
  app.use(fhir.routes());
  app.use(fhir.allowedMethods({ throw: true, methodNotAllowed, notImplemented: () => new FhirError('methodNotAllowed', 'Not implemented') }));
  return { app, importWorker };
}
