// The explorer: a hash router over the node's API, the search box, and the
// live round fed by the node's signed announcements (`/v1/events`).
import { esc, get, loadSolverNames } from './util.js';
import * as pages from './pages.js';

const main = document.getElementById('main');
// What the current page started (timers, event streams), stopped on leave.
let cleanup = [];
let namesLoaded = false;
export const onLeave = f => cleanup.push(f);

async function route() {
  cleanup.forEach(f => { try { f(); } catch { /* already stopped */ } });
  cleanup = [];
  const [, page = '', arg = ''] = location.hash.split('/');
  const render = {
    '': pages.home, auctions: pages.auctions, auction: pages.auction, intent: pages.intent,
    owner: pages.owner, solvers: pages.solvers, solver: pages.solver, market: pages.market,
  }[page];
  document.title = `stakebid explorer${page ? ' · ' + page : ''}`;
  if (!render) { main.innerHTML = `<p class="bad">No page “${esc(page)}”.</p>`; return; }
  try {
    if (!namesLoaded) { namesLoaded = true; await loadSolverNames(); }
    main.innerHTML = await render(decodeURIComponent(arg), { onLeave, main });
    main.dataset.page = page || 'home';
  } catch (e) {
    main.innerHTML = `<h2>Not found</h2><p class="bad" id="error" data-code="${esc(e.code)}">${esc(e.message)}</p>`;
    main.dataset.page = 'error';
  }
}

// Search: the node says what the query names; its API path maps to a page.
document.getElementById('search').addEventListener('submit', async ev => {
  ev.preventDefault();
  const q = document.getElementById('q').value.trim();
  if (!q) return;
  try {
    const r = await get('/v1/search?q=' + encodeURIComponent(q));
    location.hash = r.kind === 'intent' ? `#/intent/${r.intent}` : r.kind === 'owner' ? `#/owner/${r.owner}` : `#/auction/${r.auction}`;
  } catch (e) {
    main.innerHTML = `<h2>Search</h2><p class="bad" id="error" data-code="${esc(e.code)}">${esc(e.message)}</p>`;
    main.dataset.page = 'error';
  }
});

addEventListener('hashchange', route);
route();
