import Router, { type RouterMiddleware } from '@koa/router';
import { FhirError, invalid, notFound } from '../../errors/fhir-error.js';
import { isValidId } from '../model/ids.js';
import type { AppState } from '../../http/state.js';
import { isResourceType } from '../model/resource-types.js';
import { capabilities, type CapabilityDeps } from './capabilities.js';
import { bundle } from './bundle.js';
import type { RestDeps, RouteHandler } from './context.js';
import { create } from './create.js';
import { conditionalDelete, deleteResource } from './delete.js';
import { history } from './history.js';
import { conditionalPatch, patch } from './patch.js';
import { read } from './read.js';
import { searchCompartment } from './search-compartment.js';
import { searchSystem } from './search-system.js';
import { searchType } from './search-type.js';
import { conditionalUpdate, update } from './update.js';
import { vread } from './vread.js';

/** CapabilityStatement interaction codes (https://hl7.org/fhir/R4/valueset-type-restful-interaction.html). */
export type TypeInteraction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'search-type';
export type SystemInteraction = 'transaction' | 'batch' | 'search-system' | 'history-system';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Every FHIR REST route, in one table. The router is built from it and so is the
 * CapabilityStatement, which therefore lists exactly what is implemented.
 */
export interface RouteSpec {
  readonly name: string;
  readonly method: Method;
  readonly path: string;
  readonly interaction: TypeInteraction | SystemInteraction | 'capabilities';
  readonly handler: (deps: RestDeps & CapabilityDeps) => RouteHandler;
}

export const ROUTES: readonly RouteSpec[] = [
  { name: 'capabilities', method: 'get', path: '/metadata', interaction: 'capabilities', handler: capabilities },
  // Search (issue #3). POST /_search must come before create's POST /:type.
  { name: 'search-system', method: 'get', path: '/', interaction: 'search-system', handler: searchSystem },
  { name: 'search-system-post', method: 'post', path: '/_search', interaction: 'search-system', handler: searchSystem },
  // One endpoint serves both (the Bundle's type decides); listed twice for the CapabilityStatement.
  { name: 'transaction', method: 'post', path: '/', interaction: 'transaction', handler: bundle },
  { name: 'batch', method: 'post', path: '/', interaction: 'batch', handler: bundle },
  { name: 'history-system', method: 'get', path: '/_history', interaction: 'history-system', handler: (d) => history(d, 'system') },
  { name: 'history-type', method: 'get', path: '/:type/_history', interaction: 'history-type', handler: (d) => history(d, 'type') },
  { name: 'vread', method: 'get', path: '/:type/:id/_history/:vid', interaction: 'vread', handler: vread },
  { name: 'history-instance', method: 'get', path: '/:type/:id/_history', interaction: 'history-instance', handler: (d) => history(d, 'instance') },
  { name: 'read', method: 'get', path: '/:type/:id', interaction: 'read', handler: read },
  { name: 'create', method: 'post', path: '/:type', interaction: 'create', handler: create },
  { name: 'update', method: 'put', path: '/:type/:id', interaction: 'update', handler: update },
  { name: 'update-conditional', method: 'put', path: '/:type', interaction: 'update', handler: conditionalUpdate },
  { name: 'patch', method: 'patch', path: '/:type/:id', interaction: 'patch', handler: patch },
  { name: 'patch-conditional', method: 'patch', path: '/:type', interaction: 'patch', handler: conditionalPatch },
  { name: 'delete', method: 'delete', path: '/:type/:id', interaction: 'delete', handler: deleteResource },
  { name: 'delete-conditional', method: 'delete', path: '/:type', interaction: 'delete', handler: conditionalDelete },
  // After the history routes, which own /_history and /:type/:id/_history.
  { name: 'search-type', method: 'get', path: '/:type', interaction: 'search-type', handler: searchType },
  { name: 'search-type-post', method: 'post', path: '/:type/_search', interaction: 'search-type', handler: searchType },
  { name: 'search-compartment', method: 'get', path: '/:compartment/:compartmentId/:type', interaction: 'search-type', handler: searchCompartment },
];

/**
 * Middleware a route runs before its handler, chosen from the route's row (the
 * auth guard, server/auth/guard/route-guard.ts: every route, present and
 * future, is checked by its `interaction`).
 */
export type RouteGuard = (route: RouteSpec) => RouterMiddleware<AppState>;

/** The FHIR router, mounted at /fhir. Unknown types are 404 and wrong methods 405. */
export function fhirRouter(deps: RestDeps & CapabilityDeps, guard?: RouteGuard): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/fhir' });
  router.param('type', async function checkResourceType(type, ctx, next) {
    if (!isResourceType(type)) throw notFound(`Unknown resource type '${type}'`);
    await next();
  });
  // An id outside the FHIR id rule names nothing that can exist (404); as a PUT target it is a bad request.
  router.param('id', async function checkId(id, ctx, next) {
    if (!isValidId(id)) throw ctx.method === 'PUT' ? invalid(`'${id}' is not a valid resource id ([A-Za-z0-9\\-.]{1,64})`) : notFound(`No resource can have the id '${id}'`);
    await next();
  });
  for (const r of ROUTES) {
    if (guard === undefined) router[r.method](r.name, r.path, r.handler(deps));
    else router[r.method](r.name, r.path, guard(r), r.handler(deps));
  }
  return router;
}

export const methodNotAllowed = (): Error =>
  new FhirError('methodNotAllowed', 'This method is not allowed on this URL');
