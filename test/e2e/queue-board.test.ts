/**
 * Bull Board for admins, in a real browser (Debian's Chromium driven by playwright-core) against the running
 * adapter: an admin logs in with the admin key and sees every endpoint's queues, under the board's own content
 * security policy with nothing of its own refused; no key, an ingest key, an auditor key or the key of an admin
 * of some practices only is refused. A screenshot is saved under test-output/e2e/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, startTestAdapter } from '../support/adapter';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const INGEST_KEY = 'casebook-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const SHOTS = join(__dirname, '..', '..', 'test-output', 'e2e');

let adapter: TestAdapter;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  adapter = await startTestAdapter({
    name: 'e2e-queue-board',
    // The API alone: the board must not depend on a worker running in the same process.
    roles: { api: true, worker: false, sandbox: true },
    config: {
      http: { port: 0, apiKeys: { casebook: INGEST_KEY }, adminKeys: { 'practice-it': ADMIN_KEY } },
      audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
      clients: [{ id: 'it-a81001', practices: ['A81001'], roles: ['admin'] }],
      sandbox: { port: 0, meshPort: 0 },
      endpoints: [
        { id: 'sandbox', baseUrl: 'sandbox', practices: ['A81001'], retry: FAST_RETRY },
        {
          id: 'mesh-only',
          practices: ['*'],
          retry: FAST_RETRY,
          routes: ['mesh-send-document'],
          mesh: { mailbox: 'SPFHIR001' },
        },
      ],
    },
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser.close();
  await adapter.close();
});

it('refuses a request without the admin key: 401 without one, 403 with a key of another role', async () => {
  const url = `${adapter.apiUrl}/admin/queues`;
  const none = await fetch(url);
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toContain('Basic realm="sp-fhir-adapter admin"');
  for (const key of [INGEST_KEY, AUDITOR_KEY]) {
    const other = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    expect(other.status).toBe(403);
  }
  // The board's API is behind the same guard as its page.
  expect((await fetch(`${url}/api/queues`)).status).toBe(401);
  // It shows every practice's queues, so an admin of some practices only is refused too.
  const scoped = (await adapter.services.apiKeys.create('it-a81001', ['admin'], new Date())).key;
  const refused = await fetch(url, { headers: { authorization: `Bearer ${scoped}` } });
  expect(refused.status).toBe(403);
  expect(await refused.text()).toContain('client-not-permitted');
});

it('shows an admin every queue in Chromium, under its own content security policy', async () => {
  const context = await browser.newContext({ httpCredentials: { username: 'practice-it', password: ADMIN_KEY } });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) {
      violations.push(message.text());
    }
  });
  const response = await page.goto(`${adapter.apiUrl}/admin/queues`);
  expect(response?.status()).toBe(200);
  const headers = (await response?.allHeaders()) ?? {};
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['cache-control']).toBe('no-store');
  for (const queue of ['deliver-sandbox', 'deliver-mesh-only', 'send-document-mesh-only']) {
    await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 20_000 });
  }
  await page.screenshot({ path: join(SHOTS, 'queue-board.png'), fullPage: true });
  // Only the board's web fonts from Google are refused; its own scripts, styles and API calls are allowed.
  expect(violations.filter((text) => !text.includes('fonts.googleapis.com'))).toEqual([]);
  await context.close();

  // The rest of the API keeps its strict policy.
  const health = await fetch(`${adapter.apiUrl}/health/live`);
  expect(health.headers.get('content-security-policy')).not.toContain('unsafe-inline');
});

it('refuses the board to a browser presenting an ingest key', async () => {
  const context = await browser.newContext({ httpCredentials: { username: 'casebook', password: INGEST_KEY } });
  const page = await context.newPage();
  const response = await page.goto(`${adapter.apiUrl}/admin/queues`);
  expect(response?.status()).toBe(403);
  await context.close();
});
