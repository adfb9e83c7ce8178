import getRawBody from 'raw-body';
import type { ParameterizedContext } from 'koa';

/** An `application/x-www-form-urlencoded` body (the sign-in and consent forms), at most 64 KiB. */
export async function readForm(ctx: ParameterizedContext): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  try {
    const text = await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' });
    // U+0000 means nothing in a username, password or code, and PostgreSQL refuses it as a
    // text value: dropped here, so such a sign-in is simply a wrong one, not a failed request.
    return new URLSearchParams(text.replace(/%00/gi, ''));
  } catch {
    return new URLSearchParams();
  }
}
