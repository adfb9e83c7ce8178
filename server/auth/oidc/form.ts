import getRawBody from 'raw-body';
import type { ParameterizedContext } from 'koa';

/** An `application/x-www-form-urlencoded` body (the sign-in and consent forms), at most 64 KiB. */
export async function readForm(ctx: ParameterizedContext): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  try {
    const text = await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' });
    return new URLSearchParams(text);
  } catch {
    return new URLSearchParams();
  }
}
