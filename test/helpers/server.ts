import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../server/app.js';
import { startValidationThreads } from '../../server/fhir/services.js';
import { SecretBox } from '../../server/auth/users/secret-box.js';
import { prepareAuth } from '../../server/auth/auth-setup.js';
import { loadConfig } from '../../server/config/load.js';
import type { Config } from '../../server/config/schema.js';
import { createValidator, type Validator } from '../../server/fhir/validation/index.js';
import { createLogger } from '../../server/log.js';
import { softwareInfo } from '../../server/software.js';
import { createPool, type Pool } from '../../server/store/db.js';
import { contentIndexWorker, drainContentQueue } from '../../server/store/search/content-index.js';
import { ResourceStore } from '../../server/store/resource-store.js';

let validator: Validator | undefined;

/** One validator per test process: building it parses the R4 definitions (~2 s). */
export function sharedValidator(): Validator {
  validator ??= createValidator();
  return validator;
}

/** The AUTH_SECRET_KEY of this test process (TOTP seeds are sealed with it); CLI runs get it too. */
export const TEST_SECRET_KEY = randomBytes(32).toString('base64');

export function testSecretBox(): SecretBox {
  return new SecretBox(Buffer.from(TEST_SECRET_KEY, 'base64'));
}

export function testDatabaseUrl(): string {
  const url = process.env['TEST_DATABASE_URL'];
  if (url === undefined) throw new Error('TEST_DATABASE_URL is not set: the mocha global setup did not run');
  return url;
}

export interface TestServer {
  /** FHIR base, e.g. http://127.0.0.1:41234/fhir */
  readonly base: string;
  /** Server root, e.g. http://127.0.0.1:41234 */
  readonly root: string;
  readonly pool: Pool;
  /** Resolves once every resource written so far has its `_content` rows (written in the background by default). */
  contentIndexed(): Promise<void>;
  /** Runs this server's `$import` worker once, now (with IMPORT_WORKER_INTERVAL_MS=0 it runs only then); chunks loaded. */
  runImports(): Promise<number>;
  close(): Promise<void>;
}

/** The real app on a free loopback port, against the test database (or another, already migrated, one). */
export async function startTestServer(overrides: Partial<Config> = {}, databaseUrl: string = testDatabaseUrl()): Promise<TestServer> {
  // Existing suites call the API without tokens; SMART suites pass { authMode: 'smart' }.
  // Validation threads only where a suite asks for them: each one loads its own definitions.
  const config = loadConfig({}, { logLevel: 'silent', authMode: 'none', authSecretKey: TEST_SECRET_KEY, validationThreads: 0, ...overrides });
  const pool = createPool(databaseUrl, 20);
  // Long keep-alive: validating a large Bundle can hold the event loop for seconds, and the
  // default 5 s idle timeout would then reset connections the test client is about to reuse.
  const server: Server = createServer({ keepAliveTimeout: 60_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const root = `http://127.0.0.1:${port}`;
  const log = createLogger(config.logLevel);
  const validationThreads = startValidationThreads(config, log);
  // Suites that ask for threads test them: every Bundle must go through one, not the fallback.
  await validationThreads?.ready();
  const auth = config.authMode === 'smart' ? await prepareAuth({ config, pool, log, softwareName: 'fhir-pms-test' }) : undefined;
  const { app, importWorker } = buildApp(
    {
      config,
      store: new ResourceStore(pool),
      validator: sharedValidator(),
      log,
      software: softwareInfo(),
      ready: () => Promise.resolve(),
      validationThreads,
      ...(auth === undefined ? {} : { auth }),
    },
    // BASE_URL (config.baseUrl) lets a second instance share the first one's public base, as processes behind one proxy do.
    config.baseUrl ?? `${root}/fhir`,
  );
  const callback = app.callback();
  const contentWorker = contentIndexWorker(pool, log, config);
  contentWorker.start();
  importWorker.start();
  server.on('request', (req, res) => {
    void callback(req, res);
  });
  return {
    base: `${root}/fhir`,
    root,
    pool,
    contentIndexed: () => drainContentQueue(pool, contentWorker),
    runImports: () => importWorker.runOnce(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auth?.stop();
      await importWorker.stop();
      await contentWorker.stop();
      await validationThreads?.stop();
      await pool.end();
    },
  };
}
