// One function per page: (argument from the URL, { onLeave }) → HTML.
// Live pages subscribe to the node's event streams and stop on leave.
import { esc, eth, ethExact, ethNum, pct, short, date, countdown, link, get, FAULTS } from './util.js';
import { limitBars, stackedBar, scatter } from './charts.js';

// The market changes every round (it is read from the chain): kept 10 s.
let marketCache = null, marketAt = 0;
const marketView = async () => {
  if (!marketCache || Date.now() - marketAt > 10_000) { marketCache = await get('/v1/market'); marketAt = Date.now(); }
  return marketCache;
};

// Where the market comes from, and whether rounds may run on it.
function marketStatus(s) {
  if (!s) return '';
  const from = s.source === 'chain' ? `read from the chain at block <b id="market-block">${s.block ?? '—'}</b>` : 'a fixed snapshot file';
  let h = `<p id="market-source">Market ${from}; risk parameters of <b>${esc(s.params_as_of)}</b>.`;
  if (s.apr_fallback.length) h += ` <span class="warn" id="apr-fallback">APR from the parameter file, not rate history, for ${s.apr_fallback.map(esc).join(', ')}</span> (less than a day of history on this chain).`;
  h += '</p>';
  if (s.stale) h += `<p class="warn" id="market-stale">The chain could not be read for ${s.stale_rounds} round(s): the previous market stands in.</p>`;
  if (s.stopped) h += `<p class="bad" id="auctions-stopped">New auctions are stopped: <code>${esc(s.stopped.code)}</code> ${esc(s.stopped.message)} Intents wait in the pool.</p>`;
  return h;
}

// Why a pending intent is not in an auction, in its owner's words.
function waitingText(v) {
  const w = v.waiting;
  if (!w) return '';
  let say;
  if (w.reason === 'funding') {
    const unit = w.asset === '0x0000000000000000000000000000000000000000' ? 'ETH' : 'tokens';
    const where = unit === 'ETH' ? 'the Settlement escrow holds' : 'the allowance to the Settlement and the wallet hold';
    say = `Waiting for funding: ${where} ${eth(w.available)} ${unit}, but this owner's open intents in it need ${eth(w.needed)} ${unit} (${eth(BigInt(w.needed) - BigInt(w.available))} ${unit} short). It joins the next auction once funded.`;
  } else if (w.reason === 'nonce_spent') {
    say = 'Its nonce is already used on-chain (settled elsewhere or cancelled there): it cannot settle and expires at its deadline.';
  } else if (w.reason === 'backoff') {
    say = `No valid plan covered this owner's intents lately: they wait behind everyone else's until auction ${esc(w.until_round)}.`;
  } else {
    say = `Waiting: ${esc(w.reason)}.`;
  }
  return `<p class="warn" id="waiting">${say}</p>`;
}

// ── Home ────────────────────────────────────────────────────────────────
function cards(st) {
  const c = (id, v, label) => `<div class="card" id="${id}"><b>${v}</b><span>${label}</span></div>`;
  const n = (k, one, many) => (Number(k) === 1 ? one : many);
  return c('total-settled', st.intents_settled, `${n(st.intents_settled, 'intent', 'intents')} settled on-chain`) +
    c('total-staked', eth(st.wei_staked, 2) + ' ETH', 'staked through settled plans') +
    c('total-apy', st.median_net_apy_bps == null ? '—' : pct(st.median_net_apy_bps), 'median net APY promised at settlement') +
    c('total-pending', st.intents_pending, `${n(st.intents_pending, 'intent', 'intents')} waiting for an auction`) +
    c('total-auctions', st.auctions, `${n(st.auctions, 'auction', 'auctions')} held`);
}
function auctionRows(list) {
  return list.map(a => `<tr class="auction-row"><td>${link.auction(a.id)}</td><td class="phase">${esc(a.phase)}</td>` +
    `<td class="num">${a.intents}</td><td>${(a.winners || []).map(link.solver).join(' ') || '<span class="muted">—</span>'}</td>` +
    `<td class="hide-narrow">${date(a.reveal_deadline)}</td></tr>`).join('');
}
const auctionTable = list => list.length
  ? `<table id="auctions"><tr><th>Auction</th><th>Phase</th><th class="num">Intents</th><th>Winners</th><th class="hide-narrow">Reveal deadline</th></tr>${auctionRows(list)}</table>`
  : '<p id="auctions">No auctions yet.</p>';
function liveText(a) {
  if (!a) return 'No round yet: one opens when intents are pending.';
  const sealed = a.phase === 'committing' || a.phase === 'revealing';
  const until = a.phase === 'committing' ? a.commit_deadline : a.reveal_deadline;
  return `${sealed ? 'Live round' : 'Latest round'}: auction ${link.auction(a.id)} — <b class="phase">${esc(a.phase)}</b>, ${a.intents} intent${a.intents === 1 ? '' : 's'}` +
    (sealed ? `; ${a.phase === 'committing' ? 'commitments close' : 'reveals close'} in <span class="countdown" data-until="${until}">${countdown(until)}</span>`
      : '. The next round opens as soon as intents are pending.');
}

export async function home(_, { onLeave }) {
  const [st, page] = await Promise.all([get('/v1/stats'), get('/v1/auctions?limit=10')]);
  const refresh = async kind => {
    try {
      const [s, p] = await Promise.all([get('/v1/stats'), get('/v1/auctions?limit=10')]);
      const live = document.getElementById('live-round');
      if (!live) return;
      const a = p.auctions[0];
      live.innerHTML = liveText(a);
      live.dataset.auction = a ? a.id : '';
      live.dataset.phase = a ? a.phase : '';
      if (kind) live.dataset.event = kind;
      document.getElementById('totals').innerHTML = cards(s);
      document.getElementById('recent').innerHTML = auctionTable(p.auctions);
    } catch { /* the next event retries */ }
  };
  // The node's signed announcements drive the panel; polling only if the
  // stream is refused (a node that runs no rounds).
  const es = new EventSource('/v1/events');
  for (const kind of ['open', 'revealing', 'award', 'closed']) es.addEventListener(kind, () => refresh(kind));
  let poll = null;
  es.onerror = () => { if (es.readyState === EventSource.CLOSED && !poll) poll = setInterval(refresh, 3000); };
  const tick = setInterval(() => document.querySelectorAll('.countdown').forEach(e => { e.textContent = countdown(e.dataset.until); }), 1000);
  onLeave(() => { es.close(); clearInterval(tick); if (poll) clearInterval(poll); });
  const a = page.auctions[0];
  const health = await get('/v1/health').catch(() => null);
  const stopped = health?.market?.stopped ? marketStatus(health.market) : '';
  return `${stopped}<section class="card live" id="live-round" data-auction="${a ? a.id : ''}" data-phase="${a ? esc(a.phase) : ''}">${liveText(a)}</section>
    <div class="cards" id="totals">${cards(st)}</div>
    <h2>Recent auctions</h2><div id="recent">${auctionTable(page.auctions)}</div>
    <p><a href="#/auctions">All auctions</a> · <a href="#/market">The market</a> · <a href="#/solvers">Solvers</a></p>`;
}

export async function auctions(before) {
  const p = await get('/v1/auctions?limit=50' + (before ? `&before=${encodeURIComponent(before)}` : ''));
  return `<h2>Auctions</h2>${auctionTable(p.auctions)}` + (p.next_before != null ? `<p><a href="#/auctions/${p.next_before}">Older</a></p>` : '');
}

// ── Auction ─────────────────────────────────────────────────────────────
export async function auction(id, { onLeave }) {
  const a = await get('/v1/auctions/' + encodeURIComponent(id));
  const sealed = !a.outcome;
  let h = `<h2>Auction #${a.id} <small class="phase">${esc(a.phase)}</small></h2>
    <p>Commitments closed ${date(a.commit_deadline)}; reveals ${date(a.reveal_deadline)}. Seed <code>${esc(a.seed)}</code>.</p>
    <h3>Intents (${a.intents.length})</h3><p class="intents">${a.intents.map(link.intent).join(' ')}</p>`;
  if (a.commitments) {
    h += `<h3>Sealed commitments</h3><p>Bids stay sealed until the reveal deadline: <span class="countdown" data-until="${a.reveal_deadline}">${countdown(a.reveal_deadline)}</span>.</p>
      <table id="commitments"><tr><th>Solver</th><th>Commitment</th></tr>${a.commitments.map(c => `<tr class="commitment"><td>${link.solver(c.solver)}</td><td><code>${esc(c.commitment)}</code></td></tr>`).join('')}</table>`;
  }
  if (sealed) {
    const t = setInterval(() => document.querySelectorAll('.countdown').forEach(e => { e.textContent = countdown(e.dataset.until); }), 1000);
    onLeave(() => clearInterval(t));
    return h + '<p class="muted">No outcome yet.</p>';
  }
  const o = a.outcome;
  // Who offered what to whom: one row per intent, one column per scored bid.
  const bids = o.bids;
  h += `<h3>Score matrix</h3><p class="muted">Each cell is the auctioneer's score (ETH of surplus after gas) of a solver's plan for one intent; the row's best is shaded.</p>
    <div class="scroll"><table class="matrix" id="matrix"><tr><th>Intent</th>${bids.map(b => `<th>${link.solver(b.solver)}${b.won ? ' <span class="won">won</span>' : ''}</th>`).join('')}</tr>` +
    a.intents.map(i => {
      const scores = bids.map(b => b.scores[i] == null ? null : BigInt(b.scores[i]));
      const best = scores.reduce((m, s) => s != null && (m == null || s > m) ? s : m, null);
      return `<tr><td>${link.intent(i)}</td>${scores.map(s => `<td class="num${s != null && s === best ? ' best' : ''}">${s == null ? '—' : eth(s)}</td>`).join('')}</tr>`;
    }).join('') + '</table></div>';
  h += `<h3>Bids</h3><table id="bids"><tr><th>Solver</th><th class="num">Intents</th><th class="num">Score (ETH)</th><th>Result</th></tr>` +
    bids.map(b => `<tr class="bid"><td>${link.solver(b.solver)}</td><td class="num">${Object.keys(b.scores).length}</td><td class="num">${eth(b.total)}</td>` +
      `<td class="${b.won ? 'won' : ''}">${b.won ? 'won' : b.unfair ? 'left out: gave an intent less than its best single bid' : 'lost'}${b.settlement_failed ? ' <span class="bad">settlement failed</span>' : ''}${b.runner_up ? ' (runner-up)' : ''}</td></tr>`).join('') + '</table>';
  if (o.awards.length) {
    h += '<h3>Settlement</h3><table id="settlements"><tr><th>Solver</th><th class="num">Intents</th><th>On-chain</th></tr>' +
      o.awards.map(w => `<tr class="award"><td>${link.solver(w.award.solver)}</td><td class="num">${w.award.intentIds.length}</td><td>` +
        (w.settlement ? `<span class="won">settled</span> in <code class="tx">${esc(w.settlement.tx)}</code>, ${Number(w.settlement.gas_used).toLocaleString('en')} gas` +
          (w.settlement.skipped || []).map(s => `<br><span class="warn">skipped ${link.intent(s.intent)}: ${esc(s.reason)}</span>`).join('') : 'awaiting settlement') + '</td></tr>').join('') + '</table>';
  }
  if (o.rejected.length) {
    h += '<h3>Rejected bids</h3><table id="rejected"><tr><th>Solver</th><th>Why</th></tr>' + o.rejected.map(r => `<tr class="rejected"><td>${link.solver(r.solver)}</td><td>` +
      r.reasons.map(x => `<code>${esc(x.code)}</code> ${esc(x.message)}${x.intent ? ' (' + link.intent(x.intent) + ')' : ''}`).join('<br>') + '</td></tr>').join('') + '</table>';
  }
  if (o.faults.length) {
    h += '<h3>Faults</h3><table id="faults"><tr><th>Solver</th><th>What</th></tr>' + o.faults.map(f => `<tr class="fault bad"><td>${link.solver(f.solver)}</td><td><code>${esc(f.code)}</code> ${esc(FAULTS[f.code] || '')}</td></tr>`).join('') + '</table>';
  }
  const refs = Object.entries(o.reference_scores);
  h += `<p>Total score <b>${eth(o.total_score)} ETH</b> over ${o.scenario_count} scenarios (market <a href="/v1/markets/${esc(o.market_hash)}"><code>${short(o.market_hash)}</code></a>${o.market_block != null ? `, read at block ${o.market_block}` : ''}${o.params_as_of ? `, risk parameters of ${esc(o.params_as_of)}` : ''}).` +
    (refs.length ? ` Reference scores (the best total without that winner): ${refs.map(([s, v]) => `${link.solver(s)} ${eth(v)} ETH`).join('; ')}.` : '') + '</p>';
  return h;
}

// ── Intent ──────────────────────────────────────────────────────────────
const STEPS = ['pending', 'in_auction', 'awarded', 'settled'];
const FINAL_BAD = { expired: 'expired before it settled', cancelled: 'cancelled by its owner' };
function timeline(v) {
  const seen = new Map(v.history.map(e => [e.status, e.at]));
  const items = [`<li class="done">signed ${date(v.history[0]?.at ?? 0)}</li>`];
  for (const s of STEPS) {
    if (seen.has(s)) items.push(`<li class="done" data-status="${s}">${s.replace('_', ' ')} ${date(seen.get(s))}</li>`);
    else if (!FINAL_BAD[v.status]) items.push(`<li data-status="${s}">${s.replace('_', ' ')}</li>`);
  }
  if (FINAL_BAD[v.status]) items.push(`<li class="final-bad" data-status="${v.status}">${FINAL_BAD[v.status]} ${date(seen.get(v.status) ?? 0)}</li>`);
  const held = v.status === 'pending' && v.history.filter(e => e.status === 'pending').length > 1
    ? '<p class="warn">Back in the queue: its last award did not settle for it (the funds were short or the settlement failed over); it waits for the next round.</p>' : '';
  return `<ol class="timeline" id="timeline">${items.join('')}</ol>${held}`;
}
const maxOf = m => Math.max(0, ...Object.values(m || {}).map(Number));

let nodeCache = null;
const nodeInfo = async () => (nodeCache ??= await get('/v1/node'));

// The plan's restaked positions' queued withdrawals, with the countdown.
function withdrawalsBlock(w, m, q) {
  const restaked = w.plan.allocations.map(a => a.position).filter(p => (m.market.positions.find(x => x.id === p) || {}).operator);
  if (!restaked.length || !q) return '';
  const mine = q.withdrawals.filter(x => restaked.includes(x.position));
  const head = `<h3>Withdrawals</h3><p class="muted">Restaked positions leave through the protocol's withdrawal queue (${m.market.restaking.withdrawal_delay_days} days on mainnet); read from the chain at block ${q.head_block}.</p>`;
  if (!mine.length) return head + `<p id="withdrawals">No withdrawal queued for ${restaked.map(esc).join(', ')}: <code>stakebid withdraw --position ID</code> or the SDK's <code>withdraw</code> starts one.</p>`;
  return head + `<div class="scroll"><table id="withdrawals"><tr><th>Position</th><th class="num">Shares</th><th class="num" title="What completing it pays now, as EigenLayer computes it: the queued shares less what slashing took since">Pays now</th><th class="num">Completable at block</th><th>Countdown</th></tr>` +
    mine.map(x => `<tr class="withdrawal-row"><td>${esc(x.position)}</td><td class="num">${eth(x.shares)}</td><td class="num withdrawable">${eth(x.withdrawable)}</td><td class="num">${x.completable_at_block}</td><td>` +
      (Number(x.blocks_left) > 0 ? `${x.blocks_left} blocks left (≈ ${Math.ceil(Number(x.blocks_left) * 12 / 60)} min at 12-second blocks)` : '<span class="ok">completable now</span>: <code>stakebid withdraw --complete</code>') +
      '</td></tr>').join('') + '</table></div>';
}

function intentBody(v, m, q) {
  const i = v.intent, w = v.award;
  let h = `<h2>Intent <span class="mono">${short(v.id)}</span> <small class="status" id="status">${esc(v.status)}</small></h2>
    <p class="mono">${esc(v.id)}</p>
    <p>${eth(i.amount)} ${i.asset === '0x0000000000000000000000000000000000000000' ? 'ETH' : `<code>${esc(i.asset)}</code>`} from ${link.owner(i.owner)}, signed to stay valid until ${date(i.deadline)} (nonce ${esc(i.nonce)}).
    ${v.auction != null ? ` Last auction: ${link.auction(v.auction)}.` : ''}</p>${timeline(v)}`;
  const limits = `<div class="scroll"><table id="limits"><tr><th>Limit signed</th><th class="num">Value</th></tr>
    <tr><td>net APY at least</td><td class="num">${pct(i.minNetApyBps)}</td></tr>
    <tr><td>tail loss (CVaR ${pct(i.lossConfidenceBps)}) at most</td><td class="num">${pct(i.maxLossBps)}</td></tr>
    <tr><td>largest operator share at most</td><td class="num">${pct(i.maxOperatorBps)}</td></tr>
    <tr><td>largest service exposure at most</td><td class="num">${pct(i.maxServiceBps)}</td></tr>
    <tr><td>exitable within ${esc(i.liquidWithinDays)} days at least</td><td class="num">${pct(i.minLiquidBps)}</td></tr>
    <tr><td>solver fee at most</td><td class="num">${pct(i.maxFeeBps)}</td></tr>
    ${i.excludedOperators.length ? `<tr><td>excluded operators</td><td>${i.excludedOperators.map(a => `<code>${esc(a)}</code>`).join(' ')}</td></tr>` : ''}</table></div>`;
  if (!w) return h + waitingText(v) + `<h3>Signed limits</h3>${limits}<p class="muted">No plan yet: one appears here once an auction awards this intent.</p>`;
  const e = w.evaluation, b = x => Number(x) / 100;
  h += `<h3>What the plan delivers against the limits</h3><div class="grid2"><div>${limitBars([
    { label: 'net APY', value: b(e.net_apy_bps), limit: b(i.minNetApyBps), kind: 'min' },
    { label: `tail loss (CVaR ${pct(i.lossConfidenceBps)})`, value: b(e.cvar_bps), limit: b(i.maxLossBps), kind: 'max' },
    { label: 'largest operator', value: b(maxOf(e.operator_bps)), limit: b(i.maxOperatorBps), kind: 'max' },
    { label: 'largest service', value: b(maxOf(e.service_bps)), limit: b(i.maxServiceBps), kind: 'max' },
    { label: `liquid in ${i.liquidWithinDays} d`, value: b(e.liquid_bps), limit: b(i.minLiquidBps), kind: 'min' },
  ])}</div><div>${limits}</div></div>`;
  const pos = new Map((m.market.positions || []).map(p => [p.id, p]));
  const assets = new Map(m.market.assets.map(a => [a.id, a]));
  const allocs = w.plan.allocations;
  h += `<h3>Allocation</h3>${stackedBar(allocs.map(a => ({ label: a.position, value: ethNum(a.amount) })))}
    <div class="scroll"><table id="allocation"><tr><th>Position</th><th>Asset</th><th>Operator</th><th class="num">Amount (ETH)</th><th class="num">≈ tokens received</th><th>Exit</th></tr>` +
    allocs.map(a => {
      const p = pos.get(a.position) || {}, asset = assets.get(p.asset) || {};
      const rate = BigInt(asset.exchange_rate || '1000000000000000000');
      const tokens = (BigInt(a.amount) * 10n ** 18n) / (rate === 0n ? 1n : rate);
      const exit = p.operator ? `restaked: withdraw, then wait the protocol's ${m.market.restaking.withdrawal_delay_days}-day delay` : `${asset.exit_days ?? 0} days`;
      return `<tr class="allocation-row"><td>${esc(a.position)}</td><td>${esc(p.asset)}</td><td>${esc(p.operator || '—')}</td><td class="num">${eth(a.amount)}</td><td class="num">${eth(tokens)} ${esc(p.asset)}</td><td>${exit}</td></tr>`;
    }).join('') + `<tr><td colspan="3">solver fee</td><td class="num">${eth(w.plan.fee, 6)}</td><td colspan="2"></td></tr></table></div>`;
  const stress = Object.entries(e.stress_bps || {});
  h += `<div class="grid2"><div><h3>In past stress events</h3><p class="muted">What this plan would have lost had each event happened to it (the market's stress scenarios, applied as they were).</p>
    <div class="scroll"><table id="stress"><tr><th>Event</th><th class="num">Loss</th><th class="num">ETH</th></tr>` +
    (stress.length ? stress.map(([n, l]) => `<tr class="stress-row"><td>${esc(n)}</td><td class="num">${pct(l)}</td><td class="num">${eth(BigInt(i.amount) * BigInt(l) / 10000n)}</td></tr>`).join('')
      : '<tr><td colspan="3" class="muted">Not recorded for this auction.</td></tr>') + '</table></div></div>';
  h += `<div><h3>Restaking security (γ)</h3><p class="muted">Durvasula–Roughgarden margin of each operator it delegates to: how far the stake securing its services exceeds what an attack would gain; its stake raises it.</p>
    <div class="scroll"><table id="security"><tr><th>Operator</th><th>Services</th><th class="num">γ before</th><th class="num">γ after</th></tr>` +
    (w.security.length ? w.security.map(g => `<tr class="gamma-row"><td>${esc(g.operator)}</td><td>${g.services.map(esc).join(', ')}</td><td class="num">${gamma(g.before_bps)}</td><td class="num">${gamma(g.after_bps)}</td></tr>`).join('')
      : '<tr><td colspan="4" class="muted">No restaked position: no operator is secured by this stake.</td></tr>') + '</table></div></div></div>';
  h += withdrawalsBlock(w, m, q);
  h += `<h3>Award and settlement</h3><p>Won by ${link.solver(w.solver)} in auction ${link.auction(v.auction)}; estimated gas ${Number(e.gas).toLocaleString('en')}, fee ${eth(e.fee, 6)} ETH.</p>`;
  h += w.settlement ? `<p id="settlement">Settled in <code class="tx">${esc(w.settlement.tx)}</code> (${Number(w.settlement.gas_used).toLocaleString('en')} gas for the whole award).</p>`
    : '<p id="settlement" class="muted">Not settled yet.</p>';
  return h;
}
const gamma = g => g == null ? '<span class="bad">no stake on a service</span>' : g >= 9e18 ? '∞' : (Number(g) / 10000).toFixed(3);

export async function intent(id, { onLeave }) {
  const [v, m, node] = await Promise.all([get('/v1/intents/' + encodeURIComponent(id)), marketView(), nodeInfo()]);
  // Withdrawals are read from the chain, so only where the node settles on one.
  const q = node.chain && v.status === 'settled' ? await get(`/v1/owners/${v.intent.owner}/withdrawals`).catch(() => null) : null;
  // The intent's own stream: re-render on each change until it is final.
  if (!['settled', 'expired', 'cancelled'].includes(v.status)) {
    const es = new EventSource(`/v1/intents/${encodeURIComponent(id)}/events`);
    es.addEventListener('status', ev => {
      const next = JSON.parse(ev.data), main = document.getElementById('main');
      if (main && main.dataset.page === 'intent') main.innerHTML = intentBody(next, m, q);
      if (['settled', 'expired', 'cancelled'].includes(next.status)) es.close();
    });
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) es.close(); };
    onLeave(() => es.close());
  }
  return intentBody(v, m, q);
}

// ── Owner ───────────────────────────────────────────────────────────────
export async function owner(addr) {
  const list = [];
  for (let cursor = null, n = 0; n < 10; n++) {
    const p = await get(`/v1/owners/${encodeURIComponent(addr)}/intents?limit=200` + (cursor == null ? '' : `&cursor=${cursor}`));
    list.push(...p.intents);
    if (p.next_cursor == null) break;
    cursor = p.next_cursor;
  }
  const by = {};
  let settled = 0n, waiting = 0n;
  for (const v of list) {
    by[v.status] = (by[v.status] || 0) + 1;
    if (v.status === 'settled') settled += BigInt(v.intent.amount);
    if (['pending', 'in_auction', 'awarded'].includes(v.status)) waiting += BigInt(v.intent.amount);
  }
  return `<h2>Owner <span class="mono">${esc(addr)}</span></h2>
    <div class="cards" id="owner-totals"><div class="card"><b>${list.length}</b><span>intents</span></div>
    <div class="card"><b>${eth(settled, 2)} ETH</b><span>settled</span></div><div class="card"><b>${eth(waiting, 2)} ETH</b><span>waiting</span></div>
    <div class="card"><b>${Object.entries(by).map(([s, n]) => `${n} ${esc(s)}`).join(', ') || '—'}</b><span>by state</span></div></div>
    <table id="owner-intents"><tr><th>Intent</th><th>State</th><th class="num">Amount (ETH)</th><th class="num">Net APY</th><th class="num">Tail loss</th><th>Auction</th><th class="hide-narrow">Settlement</th></tr>` +
    list.map(v => `<tr class="owner-intent"><td>${link.intent(v.id)}</td><td>${esc(v.status)}</td><td class="num">${eth(v.intent.amount)}</td>` +
      `<td class="num">${v.award ? pct(v.award.evaluation.net_apy_bps) : '—'}</td><td class="num">${v.award ? pct(v.award.evaluation.cvar_bps) : '—'}</td>` +
      `<td>${v.auction != null ? link.auction(v.auction) : '—'}</td><td class="hide-narrow">${v.award?.settlement ? `<code>${short(v.award.settlement.tx)}</code>` : ''}</td></tr>`).join('') + '</table>';
}

// ── Solvers ─────────────────────────────────────────────────────────────
function solverRows(list, st) {
  return list.map(s => {
    const t = st.solvers[s.solver] || { bids: 0, wins: 0, won_score: '0' };
    return `<tr class="solver-row"><td>${link.solver(s.solver)}</td><td class="num">${t.wins} / ${t.bids}</td><td class="num">${eth(t.won_score)}</td>` +
      `<td class="num">${eth(s.bond, 2)}</td><td>${s.eligible ? '<span class="ok">Eligible</span>' : '<span class="bad">Not eligible</span>'}</td><td class="num">${s.penalties.length}</td></tr>`;
  }).join('');
}
const solverHead = '<tr><th>Solver</th><th class="num">Wins / bids</th><th class="num">Score won (ETH)</th><th class="num">Bond (ETH)</th><th>Status</th><th class="num">Penalties</th></tr>';
export async function solvers() {
  const [r, st] = await Promise.all([get('/v1/solvers'), get('/v1/stats')]);
  return `<h2>Solvers</h2><p>Bond needed to take part: ${eth(r.min_bond, 2)} ETH.</p><table id="solvers">${solverHead}${solverRows(r.solvers, st)}</table>`;
}
const STATUS = { won: 'won', lost: 'lost', unfair: 'dropped as unfair', rejected: 'rejected', settlement_failed: 'won, settlement failed', not_revealed: 'not revealed' };
function roundRows(rounds) {
  if (!rounds.length) return '<p id="rounds">No public round with a bid from this solver yet.</p>';
  return `<div class="scroll"><table id="rounds"><tr><th>Auction</th><th>Bid</th><th>Result</th><th class="num">Score (ETH)</th><th class="num">Winners on its intents (ETH)</th><th class="num">Gap (bps)</th><th>Why</th></tr>` +
    rounds.map(r => r.bids.map(b => `<tr class="round ${b.status}"><td>${link.auction(r.auction)}</td><td><code>${short(b.bid_hash)}</code></td>` +
      `<td class="${b.status === 'won' ? 'won' : ['rejected', 'not_revealed', 'settlement_failed'].includes(b.status) ? 'bad' : ''}">${STATUS[b.status] || esc(b.status)}</td>` +
      `<td class="num score">${ethExact(b.score)}</td><td class="num">${ethExact(b.winner_score)}</td><td class="num gap">${b.gap_bps ?? '—'}</td>` +
      `<td>${b.reasons.map(x => `<code>${esc(x.code)}</code> ${esc(x.message)}`).join('<br>')}</td></tr>`).join('')).join('') + '</table></div>';
}
export async function solver(addr) {
  const [r, st, rounds] = await Promise.all([get('/v1/solvers'), get('/v1/stats'), get(`/v1/solvers/${encodeURIComponent(addr)}/rounds?limit=20`).catch(() => null)]);
  const s = r.solvers.find(x => x.solver.toLowerCase() === addr.toLowerCase());
  if (!s) return `<h2>Solver <span class="mono">${esc(addr)}</span></h2><p class="bad" id="error">Not registered with this node.</p>`;
  return `<h2>Solver ${s.name ? `<span id="solver-name">${esc(s.name)}</span> ` : ''}<span class="mono">${esc(s.solver)}</span></h2><table id="solver">${solverHead}${solverRows([s], st)}</table>
    <h3>Rounds</h3><p class="muted">Its latest rounds: each bid's result, its score and the winners' score on the same intents (exact ETH), the gap in bps and every reason a bid was refused.</p>${roundRows(rounds ? rounds.rounds : [])}
    <h3>Bond and penalties</h3>` + (s.penalties.length
    ? `<table id="penalties"><tr><th>Auction</th><th>Offence</th><th class="num">Amount (ETH)</th><th>Evidence</th></tr>${s.penalties.map(p => `<tr class="penalty"><td>${link.auction(p.auction)}</td><td><code>${esc(p.offence)}</code></td><td class="num">−${eth(p.amount)}</td><td><code>${short(p.evidence)}</code></td></tr>`).join('')}</table>`
    : '<p id="penalties">No penalty recorded.</p>');
}

// ── Market ──────────────────────────────────────────────────────────────
export async function market() {
  const [m, st] = await Promise.all([marketView(), get('/v1/stats')]);
  const mk = m.market, rows = m.positions;
  const used = id => BigInt(st.staked_by_position[id] || 0);
  const cap = p => p.operator_capacity != null && BigInt(p.operator_capacity) < BigInt(p.asset_capacity) ? BigInt(p.operator_capacity) : BigInt(p.asset_capacity);
  const srcCount = { public: 0, modelled: 0, chain: 0 };
  const fallback = new Set(m.status?.apr_fallback || []);
  const countSources = o => Object.values(o?.sources || {}).forEach(s => { const k = String(s).split(':')[0]; if (k in srcCount) srcCount[k]++; });
  [...mk.assets, ...mk.operators, ...mk.services].forEach(countSources);
  let h = `<h2>Market</h2>${marketStatus(m.status)}<p>${esc(mk.name)}, parameters as of <b id="as-of">${esc(mk.as_of)}</b> (hash <code>${short(m.hash)}</code>): ${srcCount.chain} figures read from the chain, ${srcCount.public} from public sources, ${srcCount.modelled} modelled. Gas price ${(Number(BigInt(mk.gas.gas_price)) / 1e9).toFixed(2)} gwei (${mk.sources?.gas_price?.startsWith('chain') ? 'the base fee' : 'modelled'}).</p>
    <h3>Yield against tail loss</h3>${scatter(rows.filter(p => p.asset !== 'ETH').map(p => ({ label: p.id, x: p.cvar_bps / 100, y: p.apy_bps / 100, group: p.operator ? 'restaked' : 'liquid' })), 'tail loss, CVaR 95 % (%)', 'first-year yield (%)')}
    <div class="scroll"><table id="positions"><tr><th>Position</th><th>Asset</th><th>Operator</th><th class="num">APY</th><th class="num">Deposit fee</th><th class="num">Tail loss (CVaR 95 %)</th><th class="num">Exit (days)</th><th class="num">Capacity (ETH)</th><th class="num">Staked here (ETH)</th><th class="hide-narrow">Services</th></tr>` +
    rows.map(p => `<tr class="position-row"><td>${esc(p.id)}</td><td>${esc(p.asset)}</td><td>${esc(p.operator || '—')}</td><td class="num">${pct(p.apy_bps)}${fallback.has(p.asset) ? '<span class="warn" title="APR from the parameter file">*</span>' : ''}</td><td class="num">${pct(p.deposit_fee_bps)}</td>` +
      `<td class="num">${pct(p.cvar_bps)}</td><td class="num">${p.exit_days}</td><td class="num">${cap(p) >= 10n ** 26n ? 'no cap' : eth(cap(p), 0)}</td><td class="num">${eth(used(p.id), 2)}</td>` +
      `<td class="hide-narrow">${p.services.map(([s, b]) => `${esc(s)} ${pct(b)}`).join(', ')}</td></tr>`).join('') + '</table></div>';
  const src = (title, list) => `<details><summary>${title}</summary><table>${list.map(o => Object.entries(o.sources || {}).map(([k, v]) => `<tr><td>${esc(o.id)}</td><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')).join('')}</table></details>`;
  h += `<h3>Where the figures come from</h3>${src('Assets', mk.assets)}${src('Operators', mk.operators)}${src('Services', mk.services)}
    <h3>Stress events</h3><table id="stress-events">${mk.stress.map(s => `<tr><td>${esc(s.name)}</td><td>${esc(s.source)}</td></tr>`).join('')}</table>`;
  return h;
}
