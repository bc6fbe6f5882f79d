// The explorer in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; never a browser download) against a running
// `stakebid dev` whose demo has settled. Each page renders its key elements
// for the demo's real data; search finds an intent by id, by owner and by
// settlement transaction; the live round updates without a reload when a
// new intent opens a round; the console stays free of errors; a screenshot
// of each page is written for the README.
//
// Env: STAKEBID_URL (the node), STAKEBID_RPC (anvil), SCREENSHOTS (dir, optional).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { stakeOnce, submitUnfunded } from './stake-helper.mjs';

const NODE = process.env.STAKEBID_URL;
const SHOTS = process.env.SCREENSHOTS;
assert.ok(NODE, 'STAKEBID_URL names the node');
const api = async p => { const r = await fetch(NODE + p); assert.equal(r.status, 200, p); return r.json(); };

let browser, profile, page;
const NOTHING = '0x' + 'ab'.repeat(32);
const errors = [];
before(async () => {
  profile = mkdtempSync(join(tmpdir(), 'stakebid-chromium-'));
  // A fresh profile directory (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    viewport: { width: 1200, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage();
  // The one request that is meant to fail (a search for nothing) logs its
  // 404 as the browser always does; every other error counts.
  page.on('console', m => { if (m.type() === 'error' && !m.location().url.includes(`/v1/search?q=${NOTHING}`)) errors.push(`${m.text()} (${m.location().url})`); });
  page.on('pageerror', e => errors.push(String(e)));
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});
after(async () => { await browser?.close(); rmSync(profile, { recursive: true, force: true }); });

async function open(hash, ready) {
  await page.goto(`${NODE}/${hash}`);
  await page.waitForSelector(ready, { timeout: 15000 });
}
const shot = async name => { if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }); };
const text = sel => page.locator(sel).first().innerText();

// The demo's data, read from the API: what the pages must show.
let settled, auctionId, tx;
before(async () => {
  const list = await api('/v1/auctions?limit=50');
  // The demo's round (the settled one with the most intents), whatever else ran since.
  const a = list.auctions.filter(x => x.phase === 'settled').sort((x, y) => y.intents - x.intents)[0];
  assert.ok(a, 'the demo settled an auction');
  auctionId = a.id;
  const view = await api(`/v1/auctions/${a.id}`);
  tx = view.outcome.awards.find(w => w.settlement).settlement.tx;
  settled = await api(`/v1/intents/${view.intents[0]}`);
  assert.equal(settled.status, 'settled');
});

test('home: live round, totals from the node, recent auctions', async () => {
  await open('#/', '#live-round');
  const stats = await api('/v1/stats');
  assert.equal(await text('#total-settled b'), String(stats.intents_settled));
  assert.ok(stats.intents_settled >= 6);
  assert.match(await text('#total-apy b'), /^\d+\.\d\d%$/);
  assert.match(await text('#live-round'), /round: auction #\d+/);
  assert.ok(await page.locator(`#auctions a[href="#/auction/${auctionId}"]`).count() >= 1);
  await shot('home');
});

test('intent page: timeline, limits against delivery, allocation, stress, security, settlement', async () => {
  await open(`#/intent/${settled.id}`, '#timeline');
  assert.equal(await text('#status'), 'settled');
  assert.equal(await page.locator('#timeline li.done[data-status="settled"]').count(), 1);
  // Five limits drawn, each held (the auctioneer only awards valid plans).
  assert.equal(await page.locator('.limit-row').count(), 5);
  assert.equal(await page.locator('.limit-row[data-ok="false"]').count(), 0);
  const allocs = settled.award.plan.allocations;
  assert.equal(await page.locator('.allocation-row').count(), allocs.length);
  assert.equal(await page.locator('svg.allocation .segment').count(), allocs.length);
  for (const a of allocs) assert.ok((await text('#allocation')).includes(a.position));
  const stress = Object.keys(settled.award.evaluation.stress_bps);
  assert.ok(stress.length >= 3, 'the market carries three stress events');
  assert.equal(await page.locator('.stress-row').count(), stress.length);
  assert.ok((await text('#stress')).includes('June 2022'));
  assert.equal(await page.locator('.gamma-row').count(), settled.award.security.length);
  assert.ok((await text('#settlement')).includes(settled.award.settlement.tx));
  await shot('intent');
});

test('owner page: every intent of the address with totals', async () => {
  const owner = settled.intent.owner;
  const mine = await api(`/v1/owners/${owner}/intents?limit=200`);
  await open(`#/owner/${owner}`, '#owner-intents');
  assert.equal(await page.locator('.owner-intent').count(), mine.intents.length);
  assert.ok((await text('#owner-totals')).includes('settled'));
  await shot('owner');
});

test('auction page: score matrix, bids, winner, settlement transaction', async () => {
  const view = await api(`/v1/auctions/${auctionId}`);
  await open(`#/auction/${auctionId}`, '#matrix');
  assert.equal(await page.locator('#matrix tr').count(), view.intents.length + 1);
  assert.equal(await page.locator('tr.bid').count(), view.outcome.bids.length);
  const winner = view.outcome.bids.find(b => b.won).solver;
  assert.ok(await page.locator(`#bids a[href="#/solver/${winner}"]`).count() === 1);
  assert.ok((await text('#settlements')).includes(tx));
  await shot('auction');
});

test('solver page: wins, score, bond, penalties', async () => {
  const view = await api(`/v1/auctions/${auctionId}`);
  const winner = view.outcome.bids.find(b => b.won).solver;
  await open(`#/solver/${winner}`, '#solver');
  // The demo's solvers run in the node, which knows them by name.
  const named = (await api('/v1/solvers')).solvers.find(s => s.solver === winner).name;
  assert.match(named, /^solver-/);
  assert.equal(await text('#solver-name'), named);
  assert.equal(await page.locator(`#solver a[href="#/solver/${winner}"]`).innerText(), named);
  assert.match(await text('#solver .solver-row'), /Eligible/);
  assert.match(await text('#solver .solver-row'), /[1-9]\d* \/ \d+/);
  await open('#/solvers', '#solvers');
  assert.equal(await page.locator('.solver-row').count(), (await api('/v1/solvers')).solvers.length);
  await shot('solvers');
});

test('market page: every position, the scatter, the figures\' date and sources', async () => {
  const m = await api('/v1/market');
  await open('#/market', '#positions');
  assert.equal(await page.locator('.position-row').count(), m.positions.length);
  assert.equal(await page.locator('svg.scatter .dot').count(), m.positions.filter(p => p.asset !== 'ETH').length);
  assert.equal(await text('#as-of'), m.market.as_of);
  // Where the market comes from: the chain, at a block the node read it at.
  if (m.status?.source === 'chain') {
    const block = Number(await text('#market-block'));
    assert.ok(block >= m.status.block, `read at block ${block}`);
    if (m.status.apr_fallback.length) assert.match(await text('#apr-fallback'), /APR from the parameter file/);
  }
  await shot('market');
});

test('search finds an intent by id, by owner and by transaction hash; a bad query shows its code', async () => {
  const search = async q => { await page.fill('#q', q); await page.press('#q', 'Enter'); };
  await open('#/', '#live-round');
  await search(settled.id);
  await page.waitForSelector('#timeline');
  assert.ok(page.url().endsWith(`#/intent/${settled.id}`));
  await search(settled.intent.owner);
  await page.waitForSelector('#owner-intents');
  await search(tx);
  await page.waitForSelector('#matrix');
  assert.ok(page.url().endsWith(`#/auction/${auctionId}`));
  await search(NOTHING);
  await page.waitForSelector('#error');
  assert.equal(await page.getAttribute('#error', 'data-code'), 'search.not_found');
});

test('the live round updates without a reload when a new intent opens one', async () => {
  await open('#/', '#live-round');
  const before = Number(await page.getAttribute('#live-round', 'data-auction'));
  const navigations = [];
  page.on('framenavigated', f => navigations.push(f.url()));
  await stakeOnce({ node: NODE, rpc: process.env.STAKEBID_RPC, index: 13, amountEth: '1' });
  await page.waitForFunction(b => Number(document.getElementById('live-round').dataset.auction) > b, before, { timeout: 60000 });
  // Driven by the node's announcements, not a poll: an event name is recorded.
  assert.ok(await page.getAttribute('#live-round', 'data-event'));
  assert.deepEqual(navigations, [], 'no reload');
});

test('an unfunded intent says it waits for funding, with the shortfall in ETH', async () => {
  const { id } = await submitUnfunded({ node: NODE, rpc: process.env.STAKEBID_RPC, index: 19, amountEth: '1.5' });
  // The node's funding check holds it before the next round.
  let v;
  for (let k = 0; k < 60 && !(v = await api(`/v1/intents/${id}`)).waiting; k++) await new Promise(r => setTimeout(r, 500));
  assert.equal(v.waiting?.reason, 'funding', JSON.stringify(v));
  await open(`#/intent/${id}`, '#waiting');
  const said = await text('#waiting');
  assert.match(said, /Waiting for funding: the Settlement escrow holds 0\.0000 ETH, but this owner's open intents in it need 1\.5000 ETH \(1\.5000 ETH short\)/, said);
});

test('a phone-width view has no horizontal overflow on the intent page', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(`#/intent/${settled.id}`, '#timeline');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `overflows by ${overflow}px`);
  await shot('intent-phone');
  await page.setViewportSize({ width: 1200, height: 900 });
});

test('no console errors on any page', () => {
  assert.deepEqual(errors, []);
});
