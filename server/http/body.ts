import getRawBody from 'raw-body';
import { FhirError, invalid } from '../errors/fhir-error.js';
import type { AppContext } from './state.js';

function isHttpError(err: unknown): err is { type: string; status: number } {
  return typeof err === 'object' && err !== null && 'type' in err && 'status' in err;
}

/** The body size the request declares (Content-Length), undefined without a usable one. */
export function declaredLength(ctx: AppContext): number | undefined {
  const header = ctx.get('content-length');
  return /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/** Reads and parses a JSON request body within the size limit (413 over it, 400 if unparseable). */
export async function readJsonBody(ctx: AppContext, limit: number): Promise<unknown> {
  let text: string;
  try {
    const length = ctx.get('content-length');
    text = await getRawBody(ctx.req, { limit, encoding: 'utf8', ...(length === '' ? {} : { length }) });
  } catch (err) {
    if (isHttpError(err) && err.type === 'entity.too.large') {
      throw new FhirError('tooLarge', `The request body is larger than the limit of ${limit} bytes`);
    }
    throw invalid('The request body could not be read');
  }
  if (text.trim() === '') throw invalid('The request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalid(`The request body is not valid JSON: ${err instanceof Error ? err.message : 'parse error'}`);
  }
}
