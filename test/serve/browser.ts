/**
 * Debian's headless Chromium through playwright-core (no browser download).
 * In CI (CI=true) a missing binary is an error; elsewhere the browser tests
 * skip with the reason.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.PAYOPS_CHROMIUM ?? '/usr/bin/chromium-headless-shell';

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; .ci/run installs chromium-headless-shell with apt`);
  return `${CHROMIUM} is not installed (apt-get install chromium-headless-shell); browser tests skipped`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
