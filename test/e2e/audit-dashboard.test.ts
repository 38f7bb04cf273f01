/**
 * The auditor's walk-through in a real browser (Debian's Chromium driven by playwright-core) against the running
 * adapter: open the dashboard, filter messages, open a timeline, run a reconciliation and check the ledger
 * verification. Also checks the audit API's access rules and that every look is itself in the ledger.
 * Screenshots are saved under test-output/e2e/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { referralDoc } from '../support/fixtures';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter } from '../support/adapter';

const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const INGEST_KEY = 'casebook-key-0123456789abcdef';
const SHOTS = join(__dirname, '..', '..', 'test-output', 'e2e');

describe('auditor dashboard in Chromium', () => {
  let adapter: TestAdapter;
  let browser: Browser;
  const ids: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    adapter = await startTestAdapter({
      name: 'e2e-audit',
      config: {
        http: { port: 0, apiKeys: { casebook: INGEST_KEY } },
        audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
      },
    });
    for (let i = 0; i < 3; i += 1) {
      const response = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
        authorization: `Bearer ${INGEST_KEY}`,
      });
      expect(response.status).toBe(202);
      ids.push(String(response.body.messageId));
    }
    for (const id of ids) {
      await eventuallyDelivered(id);
    }
    browser = await launchChromium();
  }, 60_000);

  async function eventuallyDelivered(id: string): Promise<void> {
    const body = await (async () => {
      const response = await fetch(`${adapter.apiUrl}/v1/messages/${id}`, {
        headers: { authorization: `Bearer ${INGEST_KEY}` },
      });
      return (await response.json()) as { status?: string };
    })();
    if (body.status !== 'delivered') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await eventuallyDelivered(id);
    }
  }

  afterAll(async () => {
    await browser.close();
    await adapter.close();
  });

  it('keeps the audit API to auditors', async () => {
    const noKey = await fetch(`${adapter.apiUrl}/v1/audit/messages`);
    expect(noKey.status).toBe(401);
    const ingestKey = await fetch(`${adapter.apiUrl}/v1/audit/messages`, {
      headers: { authorization: `Bearer ${INGEST_KEY}` },
    });
    // A link-worker system's key is recognised and refused: it is not an auditor's.
    expect(ingestKey.status).toBe(403);
    const auditor = await fetch(`${adapter.apiUrl}/v1/audit/messages?practice=A81001`, {
      headers: { authorization: `Bearer ${AUDITOR_KEY}` },
    });
    expect(auditor.status).toBe(200);
    expect(((await auditor.json()) as { total: number }).total).toBe(3);
    const bad = await fetch(`${adapter.apiUrl}/v1/audit/messages?practice=nope&status=lost`, {
      headers: { authorization: `Bearer ${AUDITOR_KEY}` },
    });
    expect(bad.status).toBe(400);
    const outcome = (await bad.json()) as { issue: { expression?: string[] }[] };
    expect(outcome.issue.map((i) => i.expression?.[0]).sort()).toEqual(['practice', 'status']);
  });

  it('works under its strict content security policy, which also forbids framing', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'auditor', password: AUDITOR_KEY } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) {
        violations.push(message.text());
      }
    });
    const response = await page.goto(`${adapter.apiUrl}/audit`);
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    // The stylesheet from the adapter itself is allowed and applied: the NHS header is NHS blue.
    const header = await page.evaluate<string>(
      "getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor",
    );
    expect(header).toBe('rgb(0, 94, 184)');
    // Only the NHS web fonts on assets.nhs.uk are refused (an auditor's visit is not announced to a third party).
    expect(violations.filter((text) => !text.includes('assets.nhs.uk'))).toEqual([]);
    await context.close();
  });

  it('walks through messages, a timeline, a reconciliation and the verification', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'auditor', password: AUDITOR_KEY } });
    const page = await context.newPage();
    await page.goto(`${adapter.apiUrl}/audit`);
    expect(await page.locator('h1').textContent()).toBe('Messages');
    // The NHS design system's stylesheet is served and applied (its font stack starts with Frutiger).
    const font = await page.evaluate<string>('getComputedStyle(document.body).fontFamily');
    expect(font).toContain('Frutiger');
    await page.screenshot({ path: join(SHOTS, '1-messages.png'), fullPage: true });

    await page.getByLabel('GP practice ODS code').fill('A81001');
    await page.getByLabel('Status').selectOption('delivered');
    await page.getByRole('button', { name: 'Search' }).press('Enter');
    await page.waitForURL(/practice=A81001/);
    expect(await page.locator('#result-count').textContent()).toContain('3 messages found');
    await page.screenshot({ path: join(SHOTS, '2-filtered.png'), fullPage: true });

    await page.getByRole('link', { name: ids[0] ?? '' }).click();
    await page.waitForURL(/\/audit\/messages\//);
    const steps = await page.locator('#timeline h3').allTextContents();
    expect(steps).toEqual(['received', 'delivered']);
    await page.screenshot({ path: join(SHOTS, '3-timeline.png'), fullPage: true });

    await page.getByRole('link', { name: 'Reconciliation' }).click();
    const today = new Date();
    const day = (offset: number): string => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('GP practice ODS code').fill('A81001');
    await page.getByLabel('Period start').fill(day(-1));
    await page.getByLabel('Period end (not included)').fill(day(1));
    await page.getByRole('button', { name: 'Reconcile' }).click();
    await page.waitForURL(/reconciliation\?/);
    expect(await page.locator('[data-count="received"]').textContent()).toBe('3');
    expect(await page.locator('[data-count="delivered"]').textContent()).toBe('3');
    expect(await page.locator('body').textContent()).toContain(
      'Every message received in this period reached the GP record.',
    );
    await page.screenshot({ path: join(SHOTS, '4-reconciliation.png'), fullPage: true });

    await page.getByRole('link', { name: 'Ledger verification' }).click();
    expect(await page.locator('#verify-result').textContent()).toContain('The ledger is intact');
    await page.screenshot({ path: join(SHOTS, '5-verify.png'), fullPage: true });

    await page.goto(`${adapter.apiUrl}/audit?practice=bad`);
    expect(await page.locator('.nhsuk-error-summary').textContent()).toContain('practice');
    await context.close();
  });

  it('records every look at audit data in the ledger, by who did it', async () => {
    const response = await fetch(`${adapter.apiUrl}/v1/audit/ledger?type=audit-access&format=ndjson`, {
      headers: { authorization: `Bearer ${AUDITOR_KEY}` },
    });
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>);
    const actions = new Set(lines.map((l) => `${l.channel ?? ''}:${l.action ?? ''}`));
    for (const expected of [
      'dashboard:search',
      'dashboard:view',
      'dashboard:reconcile',
      'dashboard:verify',
      'api:search',
    ]) {
      expect(actions).toContain(expected);
    }
    expect(lines.every((l) => l.who === 'auditor-ann')).toBe(true);
    const verify = await fetch(`${adapter.apiUrl}/v1/audit/verify`, {
      headers: { authorization: `Bearer ${AUDITOR_KEY}` },
    });
    expect(await verify.json()).toMatchObject({ ok: true });
  });
});
