// Precision / recall / F1 over sets of items (entity chunks, relation triples, quintuples).

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
  /** Items predicted and in the gold set. */
  correct: number;
  /** Items predicted. */
  predicted: number;
  /** Items in the gold set. */
  gold: number;
}

export function prf(correct: number, predicted: number, gold: number): PRF {
  const precision = predicted === 0 ? 0 : correct / predicted;
  const recall = gold === 0 ? 0 : correct / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, correct, predicted, gold };
}

/** Accumulates counts overall and per label. */
export class PrfCounter {
  private readonly counts = new Map<string, { correct: number; predicted: number; gold: number }>();
  private total = { correct: 0, predicted: 0, gold: 0 };

  private slot(label: string) {
    let c = this.counts.get(label);
    if (!c) {
      c = { correct: 0, predicted: 0, gold: 0 };
      this.counts.set(label, c);
    }
    return c;
  }

  add(label: string, kind: 'correct' | 'predicted' | 'gold', n = 1): void {
    this.slot(label)[kind] += n;
    this.total[kind] += n;
  }

  micro(): PRF {
    return prf(this.total.correct, this.total.predicted, this.total.gold);
  }

  perLabel(): Record<string, PRF> {
    const out: Record<string, PRF> = {};
    for (const label of [...this.counts.keys()].sort()) {
      const c = this.counts.get(label)!;
      out[label] = prf(c.correct, c.predicted, c.gold);
    }
    return out;
  }
}
