import type { RouterContext } from '@koa/router';
import type { BundleProcessor } from '../bundle/bundle-processor.js';
import type { Repository } from '../repository/repository.js';
import type { SearchService } from '../search/search-service.js';
import type { AppState } from '../../http/state.js';

export type RouteContext = RouterContext<AppState>;
export type RouteHandler = (ctx: RouteContext) => Promise<void>;

/** What the REST interactions need, passed explicitly (no module singletons). */
export interface RestDeps {
  readonly repository: Repository;
  /** Public FHIR base, without a trailing slash. */
  readonly baseUrl: string;
  readonly maxBodyBytes: number;
  readonly historyDefaultCount: number;
  readonly historyMaxCount: number;
  /** The search engine (issue #3). */
  readonly search: SearchService;
  /** Batch and transaction Bundles (POST [base]); one per app. */
  readonly bundles: BundleProcessor;
  /** Largest Bundle body (BUNDLE_MAX_BYTES). */
  readonly bundleMaxBytes: number;
}

/** A path parameter the route pattern guarantees. */
export function param(ctx: RouteContext, name: string): string {
  const v = ctx.params[name];
  if (v === undefined) throw new Error(`route parameter ${name} missing`);
  return v;
}

/** The query string without the leading '?', as conditional criteria. */
export function rawQuery(ctx: RouteContext): string {
  return ctx.querystring;
}
