/**
 * Debian's headless Chromium for browser tests, driven by playwright-core
 * with `executablePath` — no browser is ever downloaded.
 *
 *   const chromium = findChromium();
 *   describe.skipIf(chromium.skip)('…', () => { … await launchChromium() … });
 *
 * Outside CI a missing binary skips the tests with the reason; under CI=true
 * it fails them (`.ci/run` installs `chromium-headless-shell` with apt).
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's packages put the binary (chromium-headless-shell first: it is what .ci/run installs). */
export const CHROMIUM_CANDIDATES = [
  process.env.PAYOPS_CHROMIUM,
  '/usr/bin/chromium-headless-shell',
  '/usr/lib/chromium/headless_shell',
  '/usr/bin/chromium',
  '/usr/lib/chromium/chromium',
].filter((p): p is string => typeof p === 'string' && p !== '');

/** Flags for a test browser: no sandbox as root, and nothing that reaches the network on its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
];

export interface ChromiumFound {
  /** The binary, when one is installed. */
  path?: string;
  /** Truthy when the tests should be skipped: the reason (never under CI). */
  skip: string | false;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Find the binary. Missing: outside CI, `skip` says why; under CI this
 * throws, so the test file fails instead of passing empty.
 */
export function findChromium(): ChromiumFound {
  const path = CHROMIUM_CANDIDATES.find(executable);
  if (path) return { path, skip: false };
  const reason = `no Chromium found (looked at ${CHROMIUM_CANDIDATES.join(', ')}); install Debian's chromium-headless-shell (.ci/run does)`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`browser tests must run under CI: ${reason}`);
  return { skip: reason };
}

/** Launch the headless browser found by {@link findChromium}. */
export async function launchChromium(): Promise<Browser> {
  const found = findChromium();
  if (!found.path) throw new Error(String(found.skip));
  return chromium.launch({ executablePath: found.path, args: CHROMIUM_ARGS, headless: true });
}
