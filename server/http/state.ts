import type { Logger } from 'pino';
import type Koa from 'koa';
import type { RequestAccess } from '../auth/access.js';
import type { Format } from './negotiate.js';

/** What middleware learns about a request and later middleware reads. */
export interface AppState {
  requestId: string;
  log: Logger;
  /** FHIR interaction name, for metrics and logs (e.g. `read`, `history-type`). */
  interaction: string;
  format: Format;
  /** Set on /fhir requests by the auth guard: who asks and what they may do (server/auth/access.ts). */
  access?: RequestAccess;
}

export type AppContext = Koa.ParameterizedContext<AppState>;
export type AppMiddleware = Koa.Middleware<AppState>;
