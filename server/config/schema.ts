/**
 * Every setting of the server: its environment variable, type, default and one
 * line of documentation. The README's settings table is generated from this list
 * (`npm run docs:settings`) and a test fails when the two disagree.
 */
export interface SettingBase {
  readonly env: string;
  readonly doc: string;
  /** Secrets are never logged and are kept non-enumerable on the loaded config. */
  readonly secret?: boolean;
}

export interface StringSetting extends SettingBase {
  readonly type: 'string';
  readonly default: string | null;
}
export interface IntegerSetting extends SettingBase {
  readonly type: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface BooleanSetting extends SettingBase {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface EnumSetting<V extends string = string> extends SettingBase {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default: V;
}
export type Setting = StringSetting | IntegerSetting | BooleanSetting | EnumSetting;

export const SETTINGS = {
  host: { env: 'HOST', type: 'string', default: '127.0.0.1', doc: 'Address the HTTP server binds to.' },
  port: { env: 'PORT', type: 'integer', default: 8080, min: 0, max: 65535, doc: 'HTTP port (0 picks a free port).' },
  baseUrl: {
    env: 'BASE_URL',
    type: 'string',
    default: null,
    doc: 'Public FHIR base URL used in Location headers and links; default http://HOST:PORT/fhir.',
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    type: 'boolean',
    default: false,
    doc: 'Set behind a TLS-terminating reverse proxy: X-Forwarded-Proto / -For are trusted, so sign-in cookies are marked Secure and audit records carry the client address. Never set when clients can reach the server directly.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    type: 'string',
    default: null,
    secret: true,
    doc: 'PostgreSQL (13+) connection string; when unset an embedded PostgreSQL is started under DATA_DIR.',
  },
  dataDir: { env: 'DATA_DIR', type: 'string', default: './.data', doc: 'Directory for the embedded PostgreSQL data.' },
  authSecretKey: {
    env: 'AUTH_SECRET_KEY',
    type: 'string',
    default: null,
    secret: true,
    doc: 'Key (32 bytes, base64) that encrypts the users\' TOTP secrets in the database (AES-256-GCM). When unset, one is created in DATA_DIR/auth-secret.key on first use: fine on one host; processes on several hosts must all be given the same key here.',
  },
  embeddedPgPort: {
    env: 'EMBEDDED_PG_PORT',
    type: 'integer',
    default: 54329,
    min: 1024,
    max: 65535,
    doc: 'Port of the embedded PostgreSQL (loopback only).',
  },
  dbPoolSize: { env: 'DB_POOL_SIZE', type: 'integer', default: 10, min: 1, max: 500, doc: 'Connections in the pool.' },
  logLevel: {
    env: 'LOG_LEVEL',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    doc: 'pino log level.',
  },
  maxBodyBytes: {
    env: 'MAX_BODY_BYTES',
    type: 'integer',
    default: 64 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    doc: 'Largest request body accepted; larger bodies get 413.',
  },
  historyDefaultCount: {
    env: 'HISTORY_DEFAULT_COUNT',
    type: 'integer',
    default: 50,
    min: 1,
    max: 10000,
    doc: 'Entries per history page when _count is not given.',
  },
  historyMaxCount: {
    env: 'HISTORY_MAX_COUNT',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 10000,
    doc: 'Largest _count honoured on history.',
  },
  searchDefaultCount: {
    env: 'SEARCH_DEFAULT_COUNT',
    type: 'integer',
    default: 20,
    min: 1,
    max: 10000,
    doc: 'Search results per page when _count is not given.',
  },
  searchMaxCount: {
    env: 'SEARCH_MAX_COUNT',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 10000,
    doc: 'Largest _count honoured on search (larger values are lowered to it).',
  },
  searchMaxIncludes: {
    env: 'SEARCH_MAX_INCLUDES',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 100000,
    doc: 'Most resources _include/_revinclude add to one search page (a warning says when cut).',
  },
  searchHasInnerFirstRows: {
    env: 'SEARCH_HAS_INNER_FIRST_ROWS',
    type: 'integer',
    default: 10000,
    min: 0,
    max: 1000000,
    doc: 'A _has whose inner criterion matches at most this many index rows is answered from those rows first (each costs about one index probe); broader ones are checked per candidate resource. 0: always per candidate.',
  },
  searchExplain: {
    env: 'SEARCH_EXPLAIN',
    type: 'boolean',
    default: false,
    doc: 'Debug switch: a search with _explain=true returns its SQL and EXPLAIN ANALYZE plan as an OperationOutcome.',
  },
  searchParameterRefreshMs: {
    env: 'SEARCH_PARAMETER_REFRESH_MS',
    type: 'integer',
    default: 2000,
    min: 0,
    max: 3600000,
    doc: 'How often a process checks the database for SearchParameter resources written by other processes (custom parameters).',
  },
  searchContentIndex: {
    env: 'SEARCH_CONTENT_INDEX',
    type: 'boolean',
    default: true,
    doc: 'Write _content full-text rows (all strings of a resource); off saves write time and space.',
  },
  searchContentDeferred: {
    env: 'SEARCH_CONTENT_DEFERRED',
    type: 'boolean',
    default: true,
    doc: 'Write the _content rows in the background shortly after each write (writes cost about a fifth less PostgreSQL work; a _content search can miss a resource for a moment after it is written); false: in the write statement itself.',
  },
  searchContentWorkerIntervalMs: {
    env: 'SEARCH_CONTENT_WORKER_INTERVAL_MS',
    type: 'integer',
    default: 200,
    min: 0,
    max: 3600000,
    doc: 'How often this process looks for resources waiting for their _content rows (ms); 0: never (another process does it).',
  },
  heapGrowingPercent: {
    env: 'HEAP_GROWING_PERCENT',
    type: 'integer',
    default: 100,
    min: 0,
    max: 1000,
    doc: "How far the JavaScript heap may grow past its live data before the next full garbage collection, in percent (V8's --heap-growing-percent: 100 lets it double). Lower saves memory for a little more collection work; 0 leaves it to V8, which lets the heap reach several times its live data under a bulk load.",
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    type: 'integer',
    default: 10000,
    min: 0,
    max: 600000,
    doc: 'On SIGTERM, how long in-flight requests may finish before the process exits.',
  },
  authMode: {
    env: 'AUTH_MODE',
    type: 'enum',
    values: ['smart', 'none'],
    default: 'smart',
    doc: 'smart: SMART on FHIR bearer tokens on every FHIR request; none: no authentication, no audit (development only; refused unless HOST is a loopback address).',
  },
  authIssuer: {
    env: 'AUTH_ISSUER',
    type: 'string',
    default: null,
    doc: 'Public URL of the authorization server (OpenID issuer); default: the origin of the FHIR base URL followed by /auth.',
  },
  authAccessTokenTtl: {
    env: 'AUTH_ACCESS_TOKEN_TTL',
    type: 'integer',
    default: 3600,
    min: 60,
    max: 86400,
    doc: 'Lifetime of access tokens issued to apps, in seconds.',
  },
  authBackendTokenTtl: {
    env: 'AUTH_BACKEND_TOKEN_TTL',
    type: 'integer',
    default: 300,
    min: 60,
    max: 3600,
    doc: 'Lifetime of Backend Services (client_credentials) access tokens, in seconds.',
  },
  authRefreshTokenTtl: {
    env: 'AUTH_REFRESH_TOKEN_TTL',
    type: 'integer',
    default: 1209600,
    min: 300,
    max: 31536000,
    doc: 'Lifetime of offline_access refresh tokens, in seconds (each use rotates the token).',
  },
  authSessionTtl: {
    env: 'AUTH_SESSION_TTL',
    type: 'integer',
    default: 28800,
    min: 300,
    max: 2592000,
    doc: 'Sign-in session lifetime, in seconds; online_access refresh tokens end with it.',
  },
  authLaunchTtl: {
    env: 'AUTH_LAUNCH_TTL',
    type: 'integer',
    default: 3600,
    min: 30,
    max: 86400,
    doc: 'How long an EHR launch value (POST /auth/launch) stays usable, in seconds.',
  },
  authSigningKeyMaxAgeDays: {
    env: 'AUTH_SIGNING_KEY_MAX_AGE_DAYS',
    type: 'integer',
    default: 90,
    min: 0,
    max: 3650,
    doc: 'Signing keys (generated at first start, kept in the database) are replaced after this many days; 0 never rotates.',
  },
  authLockoutThreshold: {
    env: 'AUTH_LOCKOUT_THRESHOLD',
    type: 'integer',
    default: 5,
    min: 1,
    max: 100,
    doc: 'Consecutive failed sign-ins after which an account is locked.',
  },
  authLockoutSeconds: {
    env: 'AUTH_LOCKOUT_SECONDS',
    type: 'integer',
    default: 900,
    min: 1,
    max: 86400,
    doc: 'How long a locked account stays locked, in seconds.',
  },
  authTokenCacheSeconds: {
    env: 'AUTH_TOKEN_CACHE_SECONDS',
    type: 'integer',
    default: 30,
    min: 0,
    max: 300,
    doc: 'How long a validated access token is remembered in memory (revocation evicts it at once, in every process).',
  },
  auditWorkerIntervalMs: {
    env: 'AUDIT_WORKER_INTERVAL_MS',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 60000,
    doc: 'How often the audit worker turns outbox rows into AuditEvent resources; 0: this process runs none (another process does).',
  },
  auditWorkerBusyPercent: {
    env: 'AUDIT_WORKER_BUSY_PERCENT',
    type: 'integer',
    default: 10,
    min: 1,
    max: 100,
    doc: "While requests keep arriving, the largest share of this process's time (percent) the audit worker spends on a backlog; the rest waits until they let up.",
  },
  auditReadSyncCommit: {
    env: 'AUDIT_READ_SYNC_COMMIT',
    type: 'boolean',
    default: false,
    doc: 'true: each read is answered only once its audit record is on disk (also survives a PostgreSQL or machine crash; slower). false: once PostgreSQL has it.',
  },
  bundleMaxEntries: {
    env: 'BUNDLE_MAX_ENTRIES',
    type: 'integer',
    default: 20000,
    min: 1,
    max: 1000000,
    doc: 'Most entries accepted in one batch or transaction Bundle (POST /fhir); more get 413.',
  },
  bundleMaxBytes: {
    env: 'BUNDLE_MAX_BYTES',
    type: 'integer',
    default: 64 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    doc: 'Largest batch or transaction Bundle body accepted (POST /fhir); larger bodies get 413.',
  },
  bundleMaxConcurrent: {
    env: 'BUNDLE_MAX_CONCURRENT',
    type: 'integer',
    default: 4,
    min: 1,
    max: 1000,
    doc: 'Bundles read and processed at once per server process; more wait their turn (bounds memory, with BUNDLE_MAX_BYTES_IN_FLIGHT).',
  },
  bundleMaxBytesInFlight: {
    env: 'BUNDLE_MAX_BYTES_IN_FLIGHT',
    type: 'integer',
    default: 32 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    doc: 'Total declared size (Content-Length; a body without one counts as BUNDLE_MAX_BYTES) of the Bundles read and processed at once per server process; more wait their turn. A Bundle larger than this runs alone.',
  },
  importMaxBytes: {
    env: 'IMPORT_MAX_BYTES',
    type: 'integer',
    default: 1024 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024 * 1024,
    doc: 'Largest body accepted by the asynchronous POST /fhir/$import (NDJSON is streamed into the database, never held in memory; a Bundle is also held to BUNDLE_MAX_BYTES); larger bodies get 413 and nothing is stored. Also the largest file of a manifest the worker fetches (a larger one fails that input).',
  },
  importChunkLines: {
    env: 'IMPORT_CHUNK_LINES',
    type: 'integer',
    default: 500,
    min: 1,
    max: 20000,
    doc: 'NDJSON lines per chunk of an $import job: each chunk is loaded in one transaction (a batch when one of its lines fails).',
  },
  importWorkerIntervalMs: {
    env: 'IMPORT_WORKER_INTERVAL_MS',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 3600000,
    doc: 'How often this process looks for queued $import chunks to load (ms); 0: never (another process runs the jobs).',
  },
  importRetryBaseMs: {
    env: 'IMPORT_RETRY_BASE_MS',
    type: 'integer',
    default: 2000,
    min: 0,
    max: 15 * 60 * 1000,
    doc: 'How long an $import chunk that failed for a reason that may pass (a file server answering 5xx or 429, the network, the database) waits before its second attempt; each later attempt waits four times longer (at most 15 minutes). A Retry-After from the file server (up to an hour) is honoured instead.',
  },
  importAllowedSources: {
    env: 'IMPORT_ALLOWED_SOURCES',
    type: 'string',
    default: null,
    doc: 'URL prefixes (comma-separated, e.g. https://files.example.org/exports/) that an $import manifest may ask the server to fetch NDJSON files from; a URL must have the same scheme, host and port and a path under the prefix. Unset: URL imports are refused.',
  },
  importFetchTimeoutMs: {
    env: 'IMPORT_FETCH_TIMEOUT_MS',
    type: 'integer',
    default: 600000,
    min: 100,
    max: 86400000,
    doc: 'Longest time the $import worker spends fetching one file of a manifest (ms, whole transfer); a slower file fails that input.',
  },
  importRetentionHours: {
    env: 'IMPORT_RETENTION_HOURS',
    type: 'integer',
    default: 168,
    min: 0,
    max: 87600,
    doc: 'How long a finished or cancelled $import job and its report are kept (hours), then deleted by the import worker; 0: kept until DELETE on its status URL.',
  },
  validationUnknownProfile: {
    env: 'VALIDATION_UNKNOWN_PROFILE',
    type: 'enum',
    values: ['warning', 'error'],
    default: 'warning',
    doc: 'A meta.profile the server does not hold: accept the write with a warning, or reject it (422).',
  },
  validationRequiredProfiles: {
    env: 'VALIDATION_REQUIRED_PROFILES',
    type: 'string',
    default: null,
    doc: 'Profiles every write of a type must conform to, as Type=canonical pairs separated by commas (e.g. Patient=http://pms.example.org/fhir/StructureDefinition/pms-patient).',
  },
  validationThreads: {
    env: 'VALIDATION_THREADS',
    type: 'integer',
    default: 0,
    min: 0,
    max: 64,
    doc: 'Worker threads that validate the plain creates of transaction Bundles (bulk loads) beside the request thread; each holds its own copy of the definitions (about 120 MB). 0: all on the request thread. Measured on 2 cores: no faster (the cores are already busy), so worth it only with cores to spare (4 or more).',
  },
  conformanceRefreshMs: {
    env: 'CONFORMANCE_REFRESH_MS',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 3600000,
    doc: 'How often a process checks the database for StructureDefinitions, ValueSets, CodeSystems and ConceptMaps written by other processes (0: before every use).',
  },
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;

type ValueOf<S> = S extends { type: 'integer' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : S extends { default: null }
        ? string | null
        : string;

/** The validated, frozen settings the server runs with. */
export type Config = { readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };
