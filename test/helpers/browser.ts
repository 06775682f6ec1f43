/**
 * Debian's headless Chromium, driven by playwright-core (.ci/run installs the
 * `chromium` package). The flags keep it off the network: this machine has none
 * but loopback, and Chromium's background services would try. Playwright gives
 * each launch a new empty profile.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    headless: true,
    timeout: 30_000,
  });
  return {
    browser,
    async close() {
      await browser.close(); // playwright removes the throw-away profile it made
    },
  };
}
