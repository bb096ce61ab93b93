// The terminal view of an explanation: the post, then per entity and per relation a bar per player
// (Shapley value, signed), the efficiency check, and the coalition table; then the gate and the
// batch game. What differs between tasks (what masking keeps, whose score a coalition's value is)
// is the task's ExplanationView, from the registry.
import type { ExtractedSpan } from '../extract/types.js';
import { taskDefinition } from '../tasks/registry.js';
import type { Attribution, Explanation } from './explain.js';
import { PLAYERS } from './coalitions.js';

const WIDTH = 24;

function bar(value: number, scale: number): string {
  const n = scale > 0 ? Math.round((Math.abs(value) / scale) * WIDTH) : 0;
  return (value < 0 ? '░' : '█').repeat(n); // light bars for negative values
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

function clip(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The player bars, the efficiency check and the coalition values of one target. */
function attributionLines(a: Attribution): string[] {
  const scale = Math.max(...PLAYERS.map((p) => Math.abs(a.shapley[p])), 1e-12);
  const sum = PLAYERS.reduce((s, p) => s + a.shapley[p], 0);
  return [
    ...PLAYERS.map((p) => `  ${p.padEnd(8)} ${signed(a.shapley[p])}  ${bar(a.shapley[p], scale)}`),
    `  sum ${signed(sum)} = v(all) ${a.full.toFixed(4)} − v(none) ${a.empty.toFixed(4)}`,
    `  coalitions: ${Object.entries(a.coalitions).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' · ')}`,
  ];
}

export function renderExplanation(e: Explanation): string {
  const out: string[] = [];
  const relational = e.relations !== undefined;
  const view = taskDefinition(e.task).view;
  out.push(`${e.id === 'post' ? 'post' : `post ${e.id}`}: ${clip(e.tokens.join(' '))}`);
  out.push(`context: ${e.context === null ? (e.contextError ? `none (${e.contextError})` : 'none') : clip(e.context)}`);
  out.push(`image: ${e.image ? 'used' : e.imageError ? `not used (${e.imageError})` : 'none'}`);
  out.push(`fusion gate: ${e.gate === null ? 'n/a (no image or no fusion)' : `${e.gate.toFixed(4)} mean over tokens and channels`}`);
  const absent = PLAYERS.filter((p) => !e.players[p]);
  if (absent.length) out.push(`absent players (value 0 by construction): ${absent.join(', ')}`);
  out.push(
    `text absent = word-pieces replaced by ${e.maskToken}${view.maskNote}; value of a coalition = ` +
      `the ${view.valueOf} score with only those players`,
  );
  if (e.entities.length === 0 && view.findsEntities) out.push('', 'no entities extracted from this post');
  for (const ent of e.entities) {
    out.push('', `entity "${ent.text}" [${ent.start}, ${ent.end}) ${ent.type}  score ${ent.full.toFixed(4)}`);
    out.push(...attributionLines(ent));
  }
  if (relational && e.relations!.length === 0 && view.findsEntities) out.push('', 'no relations between the extracted entities');
  for (const r of e.relations ?? []) {
    const name = (x: number | ExtractedSpan) => {
      const s = typeof x === 'number' ? e.entities[x]! : x;
      return `"${s.text}" [${s.start}, ${s.end})`;
    };
    out.push('', `relation ${name(r.head)} → ${name(r.tail)} ${r.label}  score ${r.full.toFixed(4)}`);
    out.push(...attributionLines(r));
  }
  out.push('');
  if ('skipped' in e.batchGame) {
    out.push(`context in its batch game: skipped (${e.batchGame.skipped})`);
  } else {
    const g = e.batchGame;
    const others = g.game.filter((_, i) => i !== g.index);
    const mean = others.reduce((s, x) => s + x, 0) / Math.max(1, others.length);
    out.push(
      `context in its batch game (${g.ids.length} posts, utility ${g.utility}): φ ${g.value.toFixed(4)} in its own text's game, ` +
        `rank ${g.rank} of ${g.ids.length} (other contexts: mean ${mean.toFixed(4)})`,
    );
  }
  return `${out.join('\n')}\n`;
}
