import Router from '@koa/router';
import type { ResourceStore } from '../store/resource-store.js';
import type { Metrics } from './observe.js';
import type { AppState } from './state.js';

export interface HealthDeps {
  readonly store: ResourceStore;
  readonly ready: () => Promise<void>;
  readonly metrics: Metrics;
}

/** `/healthz` (process up), `/readyz` (database reachable, migrations current), `/metrics`. */
export function healthRouter(deps: HealthDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/healthz', async function healthz(ctx) {
    ctx.state.interaction = 'healthz';
    ctx.body = { status: 'ok' };
    await Promise.resolve();
  });
  router.get('/readyz', async function readyz(ctx) {
    ctx.state.interaction = 'readyz';
    try {
      await deps.store.ping();
      await deps.ready();
      ctx.body = { status: 'ready' };
    } catch (err) {
      ctx.status = 503;
      ctx.body = { status: 'not ready', reason: err instanceof Error ? err.message : 'unknown' };
    }
  });
  router.get('/metrics', async function metrics(ctx) {
    ctx.state.interaction = 'metrics';
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
