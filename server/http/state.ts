import type { Logger } from 'pino';
import type Koa from 'koa';
import type { Format } from './negotiate.js';

/** What middleware learns about a request and later middleware reads. */
export interface AppState {
  requestId: string;
  log: Logger;
  /** FHIR interaction name, for metrics and logs (e.g. `read`, `history-type`). */
  interaction: string;
  format: Format;
}

export type AppContext = Koa.ParameterizedContext<AppState>;
export type AppMiddleware = Koa.Middleware<AppState>;
