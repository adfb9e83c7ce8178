import type { RequestAccess, SearchConstraint } from '../access.js';

/** AUTH_MODE=none (development on loopback only): everything is allowed and nothing is audited. */
export const OPEN_ACCESS: RequestAccess = {
  principal: undefined,
  writeHook: undefined,
  authorize: () => undefined,
  authorizeEntry: () => undefined,
  disclose: () => true,
  searchConstraint: (): SearchConstraint => ({ kind: 'all' }),
  screened: () => undefined,
};
