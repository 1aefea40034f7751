/**
 * Chromium for the browser tests: Debian's `chromium` (`.ci/run` installs it), driven headless by
 * playwright-core, which downloads no browser of its own. `AURORA_CHROMIUM` names another binary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['AURORA_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where screenshots are kept after a run (a CI artifact). */
export const SCREENSHOTS = resolve('artifacts', 'screenshots');

/** Launches headless Chromium; a missing binary is one clear error, not a skipped test. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set AURORA_CHROMIUM`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

/** A screenshot file path under {@link SCREENSHOTS}. */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}
