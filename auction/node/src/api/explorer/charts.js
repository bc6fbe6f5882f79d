// Pictures as inline SVG, drawn from numbers the API gives; no library.
import { esc } from './util.js';

const PALETTE = ['#3454d1', '#0a7b33', '#b06a00', '#8e3ad1', '#c2185b', '#00838f', '#6d4c41', '#546e7a', '#9e9d24', '#d84315'];
export const color = i => PALETTE[i % PALETTE.length];

// What a plan delivers against the limit the staker signed: one bar per
// row, the limit as a tick; green when the limit holds.
// rows: [{ label, value, limit, kind: 'min' | 'max' }] in percent.
export function limitBars(rows) {
  const w = 560, rowH = 34, left = 170, span = w - left - 60;
  const top = Math.max(1, ...rows.map(r => Math.max(r.value, r.limit))) * 1.15;
  const x = v => left + Math.max(0, v) / top * span;
  const bars = rows.map((r, i) => {
    const y = 8 + i * rowH, ok = r.kind === 'min' ? r.value >= r.limit : r.value <= r.limit;
    return `<g class="limit-row" data-ok="${ok}">
      <text x="0" y="${y + 15}">${esc(r.label)}</text>
      <rect x="${left}" y="${y + 4}" width="${x(r.value) - left}" height="14" rx="2" fill="${ok ? '#3a9d5d' : '#d0453a'}"/>
      <line x1="${x(r.limit)}" x2="${x(r.limit)}" y1="${y}" y2="${y + 22}" stroke="#111" stroke-width="2"/>
      <text x="${x(Math.max(r.value, r.limit)) + 6}" y="${y + 15}">${r.value.toFixed(2)}% ${r.kind === 'min' ? '≥' : '≤'} ${r.limit.toFixed(2)}%</text>
    </g>`;
  }).join('');
  return `<svg class="chart limits" viewBox="0 0 ${w} ${rows.length * rowH + 10}" role="img" aria-label="plan against its limits">${bars}</svg>`;
}

// Shares of a whole as one stacked bar with a legend.
// items: [{ label, value }] (any unit; shares are drawn).
export function stackedBar(items) {
  const total = items.reduce((s, i) => s + i.value, 0) || 1, w = 560;
  let at = 0;
  const segs = items.map((it, i) => {
    const width = it.value / total * w, s = `<rect class="segment" x="${at}" y="0" width="${Math.max(width, 0.5)}" height="22" fill="${color(i)}"><title>${esc(it.label)} ${(it.value / total * 100).toFixed(1)}%</title></rect>`;
    at += width;
    return s;
  }).join('');
  const legend = items.map((it, i) => `<g transform="translate(${(i % 3) * 190},${36 + Math.floor(i / 3) * 18})"><rect width="10" height="10" fill="${color(i)}"/><text x="14" y="9">${esc(it.label)} ${(it.value / total * 100).toFixed(1)}%</text></g>`).join('');
  return `<svg class="chart allocation" viewBox="0 0 ${w} ${40 + Math.ceil(items.length / 3) * 18}" role="img" aria-label="allocation">${segs}${legend}</svg>`;
}

// Yield against tail loss, one dot per position.
// points: [{ label, x, y, group }] with x and y in percent.
export function scatter(points, xLabel, yLabel) {
  const w = 560, h = 320, l = 48, b = 36, pad = 10;
  const mx = Math.max(0.5, ...points.map(p => p.x)) * 1.1, my = Math.max(0.5, ...points.map(p => p.y)) * 1.1;
  const X = v => l + v / mx * (w - l - pad), Y = v => h - b - v / my * (h - b - pad);
  const ticks = n => [0, 0.25, 0.5, 0.75, 1].map(f => f * n);
  const axes = ticks(mx).map(t => `<line x1="${X(t)}" x2="${X(t)}" y1="${pad}" y2="${h - b}" stroke="#eee"/><text x="${X(t)}" y="${h - b + 14}" text-anchor="middle">${t.toFixed(1)}</text>`).join('') +
    ticks(my).map(t => `<line x1="${l}" x2="${w - pad}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/><text x="${l - 6}" y="${Y(t) + 4}" text-anchor="end">${t.toFixed(1)}</text>`).join('');
  const groups = [...new Set(points.map(p => p.group))];
  const dots = points.map(p => `<circle class="dot" cx="${X(p.x)}" cy="${Y(p.y)}" r="5" fill="${color(groups.indexOf(p.group))}" fill-opacity=".8"><title>${esc(p.label)}: ${p.y.toFixed(2)}% yield, ${p.x.toFixed(2)}% tail loss</title></circle>`).join('');
  const legend = groups.map((g, i) => `<g transform="translate(${l + 8 + i * 80},${pad + 4})"><circle r="4" cx="4" cy="4" fill="${color(i)}"/><text x="12" y="8">${esc(g)}</text></g>`).join('');
  return `<svg class="chart scatter" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(yLabel)} against ${esc(xLabel)}">${axes}
    <text x="${(w + l) / 2}" y="${h - 4}" text-anchor="middle">${esc(xLabel)}</text>
    <text transform="translate(12,${(h - b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>${dots}${legend}</svg>`;
}
