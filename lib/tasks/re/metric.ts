// Relation classification scores (MRE): micro P/R/F1 over the labels other than
// "no relation" — a prediction is correct when it equals the gold label and is not the none label
// — and the same per label.
import { type PRF, PrfCounter } from '../../metrics/f1.js';

export interface RelationScores {
  /** The label excluded from the counts (MNRE v2 `None`, v1 `none`). */
  none: string;
  micro: PRF;
  /** Every label seen in gold or predictions except the none label. */
  perLabel: Record<string, PRF>;
  /** Share of instances whose prediction equals the gold label (none included). */
  accuracy: number;
}

/**
 * Scores predicted relation labels against gold ones, instance by instance.
 * @throws Error when the lists differ in length.
 */
export function scoreRelations(gold: readonly string[], pred: readonly string[], none = 'None'): RelationScores {
  if (gold.length !== pred.length) {
    throw new Error(`scoreRelations: expected ${gold.length} predictions (one per gold instance) but received ${pred.length}`);
  }
  const counter = new PrfCounter();
  let same = 0;
  gold.forEach((g, i) => {
    const p = pred[i]!;
    if (g === p) same++;
    if (g !== none) counter.add(g, 'gold');
    if (p !== none) {
      counter.add(p, 'predicted');
      if (p === g) counter.add(p, 'correct');
    }
  });
  return { none, micro: counter.micro(), perLabel: counter.perLabel(), accuracy: gold.length ? same / gold.length : 0 };
}
