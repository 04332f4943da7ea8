import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

describe('GET /docs in a real headless Chromium', () => {
  let svc: TestService;
  let browser: Browser;

  beforeAll(async () => {
    svc = await startTestService();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  it('renders the operations list from local files, with no request leaving the machine', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(svc.url)) foreign.push(req.url());
    });
    await page.goto(`${svc.url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const operations = await page.$$eval('.opblock .opblock-summary-path', (els) => els.map((e) => e.textContent?.trim() ?? ''));
    expect(operations).toContain('/healthz');
    expect(operations).toContain('/connectors/{connector}/connection');
    expect(operations).toContain('/auth/jira/login');
    expect(operations).toContain('/connectors/jira/search');
    const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(await page.locator('.opblock').count()).toBe(documented);
    expect(foreign).toEqual([]);
    await page.screenshot({ path: 'test/browser/docs.png', fullPage: false });
  });
});
