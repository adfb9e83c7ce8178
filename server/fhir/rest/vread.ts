import { notFound } from '../../errors/fhir-error.js';
import { param, type RestDeps, type RouteHandler } from './context.js';
import { sendStored } from './read.js';

/** vread: GET [base]/[type]/[id]/_history/[vid] (https://hl7.org/fhir/R4/http.html#vread). */
export function vread(deps: RestDeps): RouteHandler {
  return async function readVersion(ctx) {
    ctx.state.interaction = 'vread';
    const type = param(ctx, 'type');
    const id = param(ctx, 'id');
    const vid = param(ctx, 'vid');
    if (!/^[1-9]\d{0,8}$/.test(vid)) throw notFound(`${type}/${id}/_history/${vid} is not known`);
    sendStored(ctx, await deps.repository.vread(type, id, Number(vid)));
  };
}
