import { AsyncLocalStorage } from 'node:async_hooks';
import als from 'oidc-provider/lib/helpers/als.js';
import type { AppMiddleware } from '../../http/state.js';

/**
 * oidc-provider runs each of its requests inside an AsyncLocalStorage
 * (lib/helpers/als.js). On Node 20 the first `run()` installs process-wide
 * promise hooks that stay on for good, so after the first token request every
 * promise of every FHIR request paid for them: about a tenth of the CPU of an
 * authorized read, plus garbage (measured with --cpu-prof, bench/auth.ts).
 * The storage is switched off whenever no provider request is running; the
 * next provider request switches it on again. Only oidc-provider reads it, for
 * client ID metadata documents, a feature this server leaves off.
 */
if (!(als instanceof AsyncLocalStorage)) throw new TypeError('oidc-provider/lib/helpers/als.js is no longer an AsyncLocalStorage; see provider-storage.ts');

export function withProviderStorage(provider: AppMiddleware): AppMiddleware {
  let running = 0;
  return async function providerRequest(ctx, next) {
    running += 1;
    try {
      await provider(ctx, next);
    } finally {
      running -= 1;
      if (running === 0) als.disable();
    }
  };
}

/** Whether oidc-provider's storage (and with it Node's promise hooks) is on (for tests). */
export function providerStorageOn(): boolean {
  return (als as unknown as { enabled?: unknown }).enabled === true;
}
