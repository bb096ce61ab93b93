// A small relation set whose labels follow from the words alone (the phrase between the two
// names), with MNRE's imbalance (about 60 % None): what a text-only model must learn, and what a
// model collapsing to "None for everything" fails at.
import { Rng } from '../lib/data/synthetic/rng.js';
import type { ReExample } from '../lib/tasks/re/batch.js';

const NAMES = [
  'Jordan', 'Paris', 'Chelsea', 'Madison', 'Austin', 'Dallas', 'Florence', 'Lincoln', 'Sydney', 'Houston', 'Orlando',
  'Victoria', 'Denver', 'Camden', 'Preston', 'Kingston', 'Memphis', 'Richmond', 'Phoenix', 'Aurora', 'Chester', 'Eden',
];

/** Relation → phrases that put it between head and tail. */
const PHRASES: Record<string, string[]> = {
  '/per/org/member_of': ['plays for', 'signed with', 'joined'],
  '/per/loc/place_of_residence': ['lives in', 'moved to', 'is at home in'],
  '/per/per/peer': ['teamed up with', 'works alongside', 'partnered with'],
  None: ['tweeted about', 'vs', 'and', 'was compared to', 'never heard of', 'laughed at', 'and also', 'posted a photo near'],
};
export const TEXT_RELATIONS = ['None', '/per/org/member_of', '/per/loc/place_of_residence', '/per/per/peer'];
const OPENERS = ['', 'RT @news :', 'wow', 'breaking :', 'so'];
const CLOSERS = ['', 'today', '!', '#sports', 'last night', 'again'];

/** `count` instances drawn from `seed` (split tells the streams apart), a `noneShare` of them None. */
export function textRelationExamples(seed: number, split: string, count: number, noneShare = 0.6): ReExample[] {
  const out: ReExample[] = [];
  for (let i = 0; i < count; i++) {
    const r = Rng.forSample(seed, split, i);
    const relation = r.chance(noneShare) ? 'None' : r.pick(TEXT_RELATIONS.slice(1));
    const a = r.pick(NAMES);
    let b = r.pick(NAMES);
    while (b === a) b = r.pick(NAMES);
    const open = r.pick(OPENERS).split(' ').filter(Boolean);
    const phrase = r.pick(PHRASES[relation]!).split(' ');
    const close = r.pick(CLOSERS).split(' ').filter(Boolean);
    const tokens = [...open, a, ...phrase, b, ...close];
    const head = { start: open.length, end: open.length + 1 };
    const tail = { start: open.length + 1 + phrase.length, end: open.length + 2 + phrase.length };
    out.push({ id: `${split}#${i}`, tokens, head, tail, relation });
  }
  return out;
}
