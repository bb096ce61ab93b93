// The training curves as a hand-written SVG (no plotting dependency): the top panel shows the
// training loss per step (raw, faint, and smoothed), the bottom one the dev score per epoch with
// the selected epoch marked. Series carry ids (train-loss-raw, train-loss-smoothed, dev-score,
// dev-best) so that tools and tests can find them.
import type { LogRecord } from './log.js';

export interface Curves {
  /** Step numbers (1-based) and the training loss after each. */
  steps: number[];
  losses: number[];
  /** Epochs (1-based) and their dev scores. */
  devEpochs: number[];
  devScores: number[];
  /** 1-based epoch selected on dev, if any. */
  bestEpoch: number | null;
  /** Test score of the selected checkpoint, if evaluated. */
  testScore: number | null;
}

/** The curves of a run from its log records (the last record of each step or epoch wins). */
export function curvesFromLog(records: readonly LogRecord[]): Curves {
  const loss = new Map<number, number>();
  const dev = new Map<number, number>();
  let bestEpoch: number | null = null;
  let testScore: number | null = null;
  for (const r of records) {
    if (r.type === 'step') loss.set(r.step, r.loss);
    else if (r.type === 'eval' && r.split === 'dev') {
      dev.set(r.epoch + 1, r.score);
      if (r.best) bestEpoch = r.epoch + 1;
    } else if (r.type === 'eval' && r.split === 'test') testScore = r.score;
  }
  const steps = [...loss.keys()].sort((a, b) => a - b);
  const devEpochs = [...dev.keys()].sort((a, b) => a - b);
  return {
    steps, losses: steps.map((s) => loss.get(s) as number),
    devEpochs, devScores: devEpochs.map((e) => dev.get(e) as number),
    bestEpoch, testScore,
  };
}

/** Exponential moving average with TensorBoard's debiasing (weight 0 = no smoothing). */
export function smooth(values: readonly number[], weight: number): number[] {
  const out: number[] = [];
  let acc = 0;
  let norm = 0;
  for (const v of values) {
    acc = weight * acc + (1 - weight) * v;
    norm = weight * norm + (1 - weight);
    out.push(acc / norm);
  }
  return out;
}

export interface SvgOptions {
  /** Default 760. */
  width?: number;
  /** Default 540. */
  height?: number;
  /** EMA weight of the smoothed loss. Default 0.9. */
  smoothing?: number;
  /** Most points drawn per series (longer runs are subsampled). Default 2000. */
  maxPoints?: number;
  /** Title above the plots. Default 'training'. */
  title?: string;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Renders the curves as a standalone SVG document. */
export function renderCurvesSvg(c: Curves, o: SvgOptions = {}): string {
  const width = o.width ?? 760;
  const height = o.height ?? 540;
  const smoothed = smooth(c.losses, o.smoothing ?? 0.9);
  const keep = subsample(c.steps.length, o.maxPoints ?? 2000);
  const margin = { left: 70, right: 20 };
  const top: Box = { x: margin.left, y: 50, w: width - margin.left - margin.right, h: (height - 150) * 0.6 };
  const bottom: Box = { x: margin.left, y: top.y + top.h + 60, w: top.w, h: (height - 150) * 0.4 };  // leaves room for the x label under the lower box
  const parts: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(o.title ?? 'training')}</text>`,
  ];

  // Loss panel.
  const sx = keep.map((i) => c.steps[i] as number);
  const lossScale = scaleFor(top, range(sx), range([...c.losses, ...smoothed]));
  parts.push(...axes(top, lossScale, 'step', 'training loss'));
  parts.push(polyline('train-loss-raw', keep.map((i) => [c.steps[i] as number, c.losses[i] as number]), lossScale, '#9ecae1', 1));
  parts.push(polyline('train-loss-smoothed', keep.map((i) => [c.steps[i] as number, smoothed[i] as number]), lossScale, '#08519c', 2));
  if (c.steps.length === 0) parts.push(noData(top));

  // Dev panel: integer epochs on x.
  const ex = range(c.devEpochs);
  const devScale = scaleFor(bottom, ex[0] === ex[1] ? [ex[0] - 1, ex[1] + 1] : ex, range(c.devScores), true);
  parts.push(...axes(bottom, devScale, 'epoch', 'dev score'));
  const devPoints = c.devEpochs.map((e, i) => [e, c.devScores[i] as number] as [number, number]).filter(([, s]) => Number.isFinite(s));
  parts.push(polyline('dev-score', devPoints, devScale, '#d94801', 2));
  parts.push(`<g id="dev-score-points" fill="#d94801">`);
  for (const [e, s] of devPoints) parts.push(`<circle cx="${fmt(devScale.x(e))}" cy="${fmt(devScale.y(s))}" r="3"/>`);
  parts.push(`</g>`);
  const bestIdx = c.bestEpoch === null ? -1 : c.devEpochs.indexOf(c.bestEpoch);
  if (bestIdx >= 0 && Number.isFinite(c.devScores[bestIdx] as number)) {
    const bx = devScale.x(c.bestEpoch as number), by = devScale.y(c.devScores[bestIdx] as number);
    const test = c.testScore === null ? '' : `, test ${fmtScore(c.testScore)}`;
    parts.push(
      `<g id="dev-best"><circle cx="${fmt(bx)}" cy="${fmt(by)}" r="6" fill="none" stroke="#000000" stroke-width="1.5"/>`
        + `<text x="${fmt(bx)}" y="${fmt(by - 10)}" text-anchor="middle">${escapeXml(`selected: epoch ${c.bestEpoch}, dev ${fmtScore(c.devScores[bestIdx] as number)}${test}`)}</text></g>`,
    );
  }
  if (devPoints.length === 0) parts.push(noData(bottom));
  parts.push('</svg>', '');
  return parts.join('\n');
}

interface Scale {
  x(v: number): number;
  y(v: number): number;
  xTicks: number[];
  yTicks: number[];
}

/**
 * The range an axis shows: r itself, or r widened by 1 on each side when its ends are equal up
 * to rounding (a loss that moved by 1e-16: its tick step would be too small to advance a float).
 */
function axisRange(r: [number, number]): [number, number] {
  return r[1] - r[0] <= 1e-9 * Math.max(Math.abs(r[0]), Math.abs(r[1])) ? [r[0] - 1, r[1] + 1] : r;
}

function scaleFor(b: Box, xr: [number, number], yr: [number, number], integerX = false): Scale {
  const [x0, x1] = axisRange(xr);
  const [y0, y1] = axisRange(yr);
  return {
    x: (v) => b.x + ((v - x0) / (x1 - x0)) * b.w,
    y: (v) => b.y + b.h - ((v - y0) / (y1 - y0)) * b.h,
    xTicks: ticks(x0, x1).filter((t) => !integerX || Number.isInteger(t)),
    yTicks: ticks(y0, y1),
  };
}

function range(values: readonly number[]): [number, number] {
  // A loop, not Math.min(...values): long runs have more steps than a call may take arguments.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** About five round tick values within [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  const first = Math.ceil(lo / step);
  for (let i = 0; i <= 10; i++) {  // about five; the bound keeps a degenerate range finite
    const t = (first + i) * step;
    if (t > hi + step * 1e-9) break;
    out.push(Number(t.toPrecision(12)));
  }
  return out;
}

function axes(b: Box, s: Scale, xLabel: string, yLabel: string): string[] {
  const out = [`<rect x="${b.x}" y="${fmt(b.y)}" width="${b.w}" height="${fmt(b.h)}" fill="none" stroke="#888888"/>`];
  out.push(`<g stroke="#e5e5e5">`);
  for (const t of s.yTicks) out.push(`<line x1="${b.x}" x2="${b.x + b.w}" y1="${fmt(s.y(t))}" y2="${fmt(s.y(t))}"/>`);
  out.push(`</g>`, `<g fill="#444444">`);
  for (const t of s.yTicks) out.push(`<text x="${b.x - 6}" y="${fmt(s.y(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  for (const t of s.xTicks) out.push(`<text x="${fmt(s.x(t))}" y="${fmt(b.y + b.h + 16)}" text-anchor="middle">${tickLabel(t)}</text>`);
  out.push(`</g>`);
  out.push(`<text x="${b.x + b.w / 2}" y="${fmt(b.y + b.h + 34)}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  const cy = b.y + b.h / 2;
  out.push(`<text x="18" y="${fmt(cy)}" text-anchor="middle" transform="rotate(-90 18 ${fmt(cy)})">${escapeXml(yLabel)}</text>`);
  return out;
}

function polyline(id: string, pts: ReadonlyArray<readonly [number, number]>, s: Scale, color: string, widthPx: number): string {
  const coords = pts.filter(([, y]) => Number.isFinite(y)).map(([x, y]) => `${fmt(s.x(x))},${fmt(s.y(y))}`).join(' ');
  return `<polyline id="${id}" fill="none" stroke="${color}" stroke-width="${widthPx}" points="${coords}"/>`;
}

function noData(b: Box): string {
  return `<text x="${b.x + b.w / 2}" y="${fmt(b.y + b.h / 2)}" text-anchor="middle" fill="#888888">no data</text>`;
}

/** Indices 0..n−1, at most `max` of them evenly spread, always keeping the last. */
function subsample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

function fmt(v: number): string {
  return Number(v.toFixed(2)).toString();
}

function fmtScore(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function tickLabel(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
