import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppMiddleware } from './state.js';

/** Per-app Prometheus registry (never the global one, so tests can build many apps). */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'interaction' | 'method' | 'status'>;
  readonly duration: Histogram<'interaction' | 'method'>;
}

/**
 * `backlog`: jobs waiting in the outbox per topic (audit records, `_content` rows),
 * read at each scrape: a backlog that keeps growing means background work cannot keep up.
 */
export function createMetrics(backlog?: () => Promise<ReadonlyMap<string, number>>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (backlog !== undefined) {
    new Gauge({
      name: 'fhir_background_jobs_waiting',
      help: 'Background jobs waiting in the outbox, by topic (search-content: resources waiting for their _content rows; audit: audit records)',
      labelNames: ['topic'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [topic, n] of await backlog()) this.set({ topic }, n);
      },
    });
  }
  return {
    registry,
    requests: new Counter({
      name: 'fhir_http_requests_total',
      help: 'HTTP requests by FHIR interaction, method and status',
      labelNames: ['interaction', 'method', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'fhir_http_request_duration_seconds',
      help: 'HTTP request latency by FHIR interaction and method',
      labelNames: ['interaction', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
  };
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Request id (echoed as X-Request-Id), one log line per request, and metrics.
 * The log line carries method, interaction, status and duration only: never the
 * query string or body, which may hold PHI (names in searches, resources).
 */
export function observe(log: Logger, metrics: Metrics): AppMiddleware {
  return async function observeRequest(ctx, next) {
    const incoming = ctx.get('x-request-id');
    const requestId = SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ reqId: requestId });
    ctx.state.interaction = 'unknown';
    ctx.set('X-Request-Id', requestId);
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const { interaction } = ctx.state;
      metrics.requests.inc({ interaction, method: ctx.method, status: String(ctx.status) });
      metrics.duration.observe({ interaction, method: ctx.method }, seconds);
      ctx.state.log.info(
        { method: ctx.method, interaction, status: ctx.status, ms: Math.round(seconds * 1e4) / 10 },
        'request',
      );
    }
  };
}
