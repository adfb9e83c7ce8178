import Router from '@koa/router';
import mount from 'koa-mount';
import type { Logger } from 'pino';
import { AuditWorker } from '../audit/audit-worker.js';
import { Periodic } from '../store/periodic.js';
import type { ImportAccessFactory } from '../import/import-worker.js';
import { importAccess } from './guard/import-access.js';
import { AuditWriter } from '../audit/audit-writer.js';
import type { Config } from '../config/schema.js';
import type { Repository } from '../fhir/repository/repository.js';
import type { RouteGuard } from '../fhir/rest/routes.js';
import type { AppContext, AppMiddleware, AppState } from '../http/state.js';
import type { Pool } from '../store/db.js';
import { operationGuard } from './guard/operation-guard.js';
import { routeGuard } from './guard/route-guard.js';
import { TokenVerifier } from './guard/token-verifier.js';
import { AUTH_PATHS } from './oidc/constants.js';
import { interactionRouter } from './oidc/interactions.js';
import { launchApi } from './oidc/launch-api.js';
import { createProvider } from './oidc/provider.js';
import { withProviderStorage } from './oidc/provider-storage.js';
import { SmartContextStore } from './oidc/smart-context.js';
import { smartConfiguration } from './oidc/well-known.js';
import { loadOrCreateKeys, type AuthKeys } from './store/key-store.js';
import { loadSecretBox, type SecretBox } from './users/secret-box.js';
import { pgAdapter, purgeExpired } from './store/pg-adapter.js';
import { UserStore } from './store/user-store.js';

/**
 * AUTH_MODE=smart wiring. `prepareAuth` (async, at start-up) loads or creates
 * the keys; `AuthSetup.layer` (sync, inside buildApp, once the repository
 * exists) builds the authorization server, the guard and the audit worker.
 */
export interface AuthLayer {
  /** `/fhir/.well-known/smart-configuration` and everything under `/auth`; mount before content negotiation. */
  readonly routes: AppMiddleware;
  readonly verifier: TokenVerifier;
  readonly routeGuard: RouteGuard;
  readonly operationGuard: AppMiddleware;
  /** Secrets signing the authorization server's cookies (set as the Koa app's keys). */
  readonly cookieKeys: readonly string[];
  /** The access of a running `$import` job, rebuilt from the grant stored with it. */
  readonly importAccess: ImportAccessFactory;
}

export interface AuthSetupDeps {
  readonly config: Config;
  readonly pool: Pool;
  readonly log: Logger;
  readonly softwareName: string;
}

/** The issuer: AUTH_ISSUER, or the FHIR base's origin + /auth. Its path must be /auth, where the server mounts it. */
export function issuerFor(config: Config, fhirBaseUrl: string): string {
  const issuer = (config.authIssuer ?? `${new URL(fhirBaseUrl).origin}/auth`).replace(/\/+$/, '');
  if (new URL(issuer).pathname !== '/auth') throw new Error(`AUTH_ISSUER must end in /auth (got ${issuer})`);
  return issuer;
}

const STYLE = {
  color_background: '#f4f6f8',
  color_error: '#b00020',
  color_highlight: '#0b4f8a',
  color_modal_backdrop: 'rgba(0,0,0,0.4)',
  color_success: '#2e7d32',
  color_text: '#1b1f24',
  dim_border_radius: '6px',
  dim_font_size: '15px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  font_family_heading: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
};

/**
 * OpenID Connect grants offline_access only with prompt=consent; SMART apps
 * never send it, and every authorization here asks for consent anyway, so the
 * prompt is added for them (scopes-and-launch-context.html#scopes-for-requesting-a-refresh-token).
 */
function offlineNeedsConsent(ctx: AppContext): void {
  const scope = ctx.query['scope'];
  if (typeof scope !== 'string' || !scope.split(' ').includes('offline_access')) return;
  const prompt = ctx.query['prompt'];
  if (prompt === undefined) ctx.query = { ...ctx.query, prompt: 'consent' };
  else if (typeof prompt === 'string' && !prompt.split(' ').includes('consent') && !prompt.split(' ').includes('none')) {
    ctx.query = { ...ctx.query, prompt: `${prompt} consent` };
  }
}

/** Outside /auth the router below only serves the SMART discovery document (matched case-insensitively, trailing slash allowed). */
const WELL_KNOWN = /\/\.well-known\//i;

export class AuthSetup {
  private stops: (() => Promise<void>)[] = [];

  constructor(
    private readonly deps: AuthSetupDeps,
    private readonly keys: AuthKeys,
    private readonly box: SecretBox,
  ) {}

  layer(repository: Repository, fhirBaseUrl: string): AuthLayer {
    const { config, pool, log } = this.deps;
    const issuer = issuerFor(config, fhirBaseUrl);
    const audit = new AuditWriter(pool, log, { syncCommit: config.auditReadSyncCommit });
    const users = new UserStore(pool, this.box);
    const contexts = new SmartContextStore(pgAdapter(pool));
    const verifier = new TokenVerifier(pool, fhirBaseUrl, config.authTokenCacheSeconds, log);
    const onRevoke = (tag: string): void => verifier.evict(tag);
    const provider = createProvider({ config, pool, keys: this.keys, issuer, fhirBaseUrl, users, contexts, audit, log, onRevoke });
    void verifier.start();
    const worker = new AuditWorker(pool, repository, { baseUrl: fhirBaseUrl, issuer, softwareName: this.deps.softwareName }, log, {
      intervalMs: config.auditWorkerIntervalMs,
      lastActivity: () => audit.lastRecordAt,
      busyShare: config.auditWorkerBusyPercent / 100,
    });
    worker.start();
    // Expired sessions, codes and tokens: every 10 minutes (a failed purge waits for the next).
    const purge = new Periodic(10 * 60 * 1000, () => purgeExpired(pool));
    purge.start();
    this.stops.push(async () => {
      await purge.stop();
      await worker.stop();
      await audit.drain();
      await verifier.close();
    });

    const router = new Router<AppState>();
    const discovery = smartConfiguration(issuer);
    router.get('/fhir/.well-known/smart-configuration', function smartConfigurationDocument(ctx) {
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.type = 'application/json';
      ctx.body = discovery;
    });
    router.get('/auth/smart-style.json', function smartStyle(ctx) {
      ctx.type = 'application/json';
      ctx.body = STYLE;
    });
    router.post('/auth/launch', launchApi({ verifier, contexts, repository, audit, ttlSeconds: config.authLaunchTtl }));
    const interactions = interactionRouter({
      provider,
      users,
      repository,
      contexts,
      audit,
      log,
      fhirBaseUrl,
      styleUrl: `${issuer}/smart-style.json`,
      login: { threshold: config.authLockoutThreshold, lockSeconds: config.authLockoutSeconds },
      grantTtl: config.authRefreshTokenTtl,
    });
    const oidc = withProviderStorage(mount('/auth', provider));
    // Router middleware adds `params`/`router` to the context itself; as plain app middleware it is typed wider.
    const routes = router.routes() as unknown as AppMiddleware;
    const interactionRoutes = interactions.routes() as unknown as AppMiddleware;
    const authRoutes: AppMiddleware = async function authRoutes(ctx, next) {
      if (ctx.path === `/auth${AUTH_PATHS.authorization}`) offlineNeedsConsent(ctx);
      if (ctx.path.startsWith('/auth/interaction/')) {
        await interactionRoutes(ctx, next);
      } else if (ctx.path === '/auth' || ctx.path.startsWith('/auth/')) {
        await routes(ctx, async () => {
          await oidc(ctx, next);
        });
      } else if (WELL_KNOWN.test(ctx.path)) {
        await routes(ctx, next);
      } else {
        // Every FHIR request passes here: not matching it against the router's routes saves time on each.
        await next();
      }
    };
    return {
      routes: authRoutes,
      verifier,
      routeGuard: routeGuard({ repository, audit }),
      operationGuard: operationGuard(audit),
      cookieKeys: this.keys.cookieKeys,
      importAccess: importAccess(fhirBaseUrl, pool),
    };
  }

  /** Stops the audit worker (after a last drain of pending records) and the revocation listener. */
  async stop(): Promise<void> {
    const stops = this.stops;
    this.stops = [];
    for (const s of stops) await s();
  }
}

/** Loads or creates the signing keys and cookie secrets; call once at start-up. */
export async function prepareAuth(deps: AuthSetupDeps): Promise<AuthSetup> {
  const box = await loadSecretBox(deps.config);
  const sealed = await new UserStore(deps.pool, box).sealPlainSecrets();
  if (sealed > 0) deps.log.info({ sealed }, 'TOTP secrets stored in plain form are now encrypted');
  return new AuthSetup(deps, await loadOrCreateKeys(deps.pool, deps.config.authSigningKeyMaxAgeDays), box);
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

/** AUTH_MODE=none is for local development only: refused unless HOST is a loopback address. */
export function checkAuthMode(config: Config): void {
  if (config.authMode === 'none' && !LOOPBACK.test(config.host)) {
    throw new Error(`AUTH_MODE=none is refused because HOST=${config.host} is not a loopback address; use AUTH_MODE=smart`);
  }
}
