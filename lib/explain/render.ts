// The terminal view of an explanation: the post, then per entity a bar per player (Shapley value,
// signed), the efficiency check, and the coalition table; then the gate and the batch game.
import type { Explanation } from './explain.js';
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

export function renderExplanation(e: Explanation): string {
  const out: string[] = [];
  out.push(`post ${e.id}: ${clip(e.tokens.join(' '))}`);
  out.push(`context: ${e.context === null ? (e.contextError ? `none (${e.contextError})` : 'none') : clip(e.context)}`);
  out.push(`image: ${e.image ? 'used' : e.imageError ? `not used (${e.imageError})` : 'none'}`);
  out.push(`fusion gate: ${e.gate === null ? 'n/a (no image or no fusion)' : `${e.gate.toFixed(4)} mean over tokens and channels`}`);
  const absent = PLAYERS.filter((p) => !e.players[p]);
  if (absent.length) out.push(`absent players (value 0 by construction): ${absent.join(', ')}`);
  out.push(`text absent = word-pieces replaced by ${e.maskToken}; value of a coalition = the entity's score with only those players`);
  if (e.entities.length === 0) out.push('', 'no entities extracted from this post');
  for (const ent of e.entities) {
    out.push('', `entity "${ent.text}" [${ent.start}, ${ent.end}) ${ent.type}  score ${ent.full.toFixed(4)}`);
    const scale = Math.max(...PLAYERS.map((p) => Math.abs(ent.shapley[p])), 1e-12);
    for (const p of PLAYERS) out.push(`  ${p.padEnd(8)} ${signed(ent.shapley[p])}  ${bar(ent.shapley[p], scale)}`);
    const sum = PLAYERS.reduce((s, p) => s + ent.shapley[p], 0);
    out.push(`  sum ${signed(sum)} = v(all) ${ent.full.toFixed(4)} − v(none) ${ent.empty.toFixed(4)}`);
    out.push(`  coalitions: ${Object.entries(ent.coalitions).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' · ')}`);
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
