// Small helpers every page uses: escaping, units, the API client.

export const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const WEI = 10n ** 18n;
// Wei (decimal string) → ether with `d` decimals, exact for display.
export function eth(w, d = 4) {
  const v = BigInt(w ?? 0), neg = v < 0n, a = neg ? -v : v;
  const scale = 10n ** BigInt(d), q = (a * scale + WEI / 2n) / WEI;
  const s = `${q / scale}.${String(q % scale).padStart(d, '0')}`;
  return (neg ? '−' : '') + s;
}
// Every digit down to the wei, trailing zeros trimmed: two scores 1e-12
// ETH apart read differently.
export function ethExact(w) {
  if (w == null) return '—';
  const v = BigInt(w), neg = v < 0n, a = neg ? -v : v;
  const frac = String(a % WEI).padStart(18, '0').replace(/0+$/, '');
  return (neg ? '−' : '') + String(a / WEI) + (frac ? '.' + frac : '');
}
export const ethNum = w => Number(BigInt(w ?? 0) / 10n ** 12n) / 1e6;
export const pct = bps => `${(Number(bps) / 100).toFixed(2)}%`;
export const short = a => a ? esc(a.slice(0, 8)) + '…' + esc(a.slice(-4)) : '';
export const date = s => new Date(Number(s) * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
export function countdown(until) {
  const left = Math.max(0, Math.round(Number(until) - Date.now() / 1000));
  return left > 0 ? `${left}s` : 'now';
}
export const link = {
  intent: id => `<a class="intent-link mono" href="#/intent/${esc(id)}">${short(id)}</a>`,
  owner: a => `<a class="owner-link mono" href="#/owner/${esc(a)}">${short(a)}</a>`,
  auction: n => `<a class="auction-link" href="#/auction/${esc(n)}">#${esc(n)}</a>`,
  // A solver by the name its node runs it under, when there is one.
  solver: a => {
    const name = solverNames.get(String(a).toLowerCase());
    return `<a class="solver-link${name ? '' : ' mono'}" href="#/solver/${esc(a)}" title="${esc(a)}">${name ? esc(name) : short(a)}</a>`;
  },
};

// Filled from /v1/solvers before a page renders (see app.js).
export const solverNames = new Map();
export async function loadSolverNames() {
  try {
    for (const s of (await get('/v1/solvers')).solvers) if (s.name) solverNames.set(s.solver.toLowerCase(), s.name);
  } catch { /* names are a nicety: addresses are shown without them */ }
}

export class ApiError extends Error {
  constructor(status, code, message) { super(`${message} (${code})`); this.status = status; this.code = code; }
}
export async function get(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await r.json().catch(() => ({ code: 'response.not_json', message: `HTTP ${r.status}` }));
  if (!r.ok) throw new ApiError(r.status, body.code, body.message);
  return body;
}

// The sentences of codes an outcome carries without one (docs/errors.md).
export const FAULTS = {
  'round.unrevealed': 'committed to a bid and did not reveal it before the deadline',
};
