/**
 * Headless Debian Chromium for the page tests, started the one way that works on these machines: the system
 * browser (Playwright cannot download its own here), no sandbox as root, and no background network traffic.
 */
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
