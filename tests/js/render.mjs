// Prints a page's DOM once the explorer has rendered it (its <main> gets a
// data-page attribute), in headless Debian Chromium through playwright-core.
// Usage: node tests/js/render.mjs URL
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.argv[2];
const profile = mkdtempSync(join(tmpdir(), 'stakebid-render-'));
// A fresh profile directory each time (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('main[data-page]', { timeout: 20000 });
  process.stdout.write(await page.content());
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
