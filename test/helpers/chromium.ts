import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's `chromium` driven by playwright-core (no browser download). `npm test`
 * must still pass on a machine with only Node.js, so a missing Chromium makes the
 * browser specs pending with a loud note, unless REQUIRE_BROWSER=1 (set by .ci/run),
 * which turns it into a failure.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export function chromiumPath(): string {
  return process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
}

/** undefined when Chromium is there; otherwise what to tell the person running the tests. */
export function missingChromium(): string | undefined {
  const path = chromiumPath();
  if (existsSync(path)) return undefined;
  return (
    `Chromium not found at ${path}: the headless-browser login/consent test cannot run. ` +
    'Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu) or point CHROMIUM_PATH at a Chromium binary.'
  );
}

/** Marks the suite pending (or failed under REQUIRE_BROWSER=1) when Chromium is missing. */
export function requireChromiumOrSkip(ctx: Mocha.Context): void {
  const missing = missingChromium();
  if (missing === undefined) return;
  if (process.env['REQUIRE_BROWSER'] === '1') throw new Error(`${missing} (REQUIRE_BROWSER=1 makes this a failure)`);
  const bar = '!'.repeat(100);
  process.stderr.write(`\n${bar}\nSKIPPED: ${missing}\n${bar}\n\n`);
  ctx.skip();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], timeout: 15_000 });
}
