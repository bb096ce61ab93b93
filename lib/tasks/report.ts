// The number formats the tasks' CLI reports share (`shapca train`'s test line, `shapca eval`).
import type { PRF } from '../metrics/f1.js';

/** 0.4567 → "45.67". */
export const percent = (x: number): string => (x * 100).toFixed(2);

/** percent, right-aligned in 6 columns (eval's tables). */
export const paddedPercent = (x: number): string => percent(x).padStart(6);

/** One "name  precision … recall … F1 … (counts)" line of `shapca eval`. */
export function prfLine(name: string, s: PRF): string {
  const p = paddedPercent;
  return `${name}  precision ${p(s.precision)}  recall ${p(s.recall)}  F1 ${p(s.f1)}   (${s.correct} correct, ${s.predicted} predicted, ${s.gold} gold)`;
}

/** An indented per-label line of `shapca eval`, with the gold count when given. */
export function labelLine(label: string, width: number, v: PRF, withGold: boolean): string {
  const p = paddedPercent;
  return `  ${label.padEnd(width)}  precision ${p(v.precision)}  recall ${p(v.recall)}  F1 ${p(v.f1)}${withGold ? `  (${v.gold} gold)` : ''}`;
}
