// The curves SVG: well-formed XML (checked by a small parser here: no XML dependency), with the
// training-loss series per step, the dev score per epoch and the selected epoch marked.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { train } from '../../lib/index.js';

interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
  text: string;
}

const NAME = '[A-Za-z_][\\w:.-]*';
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/** Parses XML strictly enough to catch what a hand-written SVG can get wrong; throws on the first fault. */
function parseXml(xml: string): Element {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = new RegExp(`<!--[\\s\\S]*?-->|<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>|([^<]+)|(<)`, 'y');
  const stack: Element[] = [{ name: '#document', attrs: {}, children: [], text: '' }];
  let m: RegExpExecArray | null;
  while (token.lastIndex < body.length && (m = token.exec(body))) {
    const [whole, close, name, attrText, selfClose, text, stray] = m;
    if (stray) throw new Error(`stray '<' at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (whole.startsWith('<!--')) continue;
    const top = stack[stack.length - 1] as Element;
    if (text !== undefined) {
      if (ENTITY.test(text)) throw new Error(`unescaped & in text ${JSON.stringify(text)}`);
      if (text.trim() && stack.length === 1) throw new Error(`text outside the root: ${JSON.stringify(text)}`);
      top.text += text;
      continue;
    }
    if (close) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"]*)"`, 'g'))) {
      if ((a[1] as string) in attrs) throw new Error(`attribute ${a[1]} twice on <${name}>`);
      if (ENTITY.test(a[2] as string)) throw new Error(`unescaped & in attribute ${a[1]}`);
      attrs[a[1] as string] = a[2] as string;
    }
    const el: Element = { name: name as string, attrs, children: [], text: '' };
    top.children.push(el);
    if (!selfClose) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  const roots = stack[0]?.children ?? [];
  if (roots.length !== 1) throw new Error(`expected one root element but found ${roots.length}`);
  return roots[0] as Element;
}

function find(el: Element, pred: (e: Element) => boolean): Element[] {
  return [...(pred(el) ? [el] : []), ...el.children.flatMap((c) => find(c, pred))];
}
const byId = (root: Element, id: string) => find(root, (e) => e.attrs.id === id)[0];
const points = (e: Element | undefined) => (e?.attrs.points ?? '').split(' ').filter(Boolean).map((p) => p.split(',').map(Number));

const curves: train.Curves = {
  steps: Array.from({ length: 30 }, (_, i) => i + 1),
  losses: Array.from({ length: 30 }, (_, i) => 2 * Math.exp(-i / 10) + 0.1 * Math.sin(i)),
  devEpochs: [1, 2, 3],
  devScores: [0.41, 0.66, 0.6],
  bestEpoch: 2,
  testScore: 0.63,
};

const test = suite('train: curves SVG');

test('the checker itself rejects malformed XML', () => {
  assert.throws(() => parseXml('<svg><g></svg>'), /closes/);
  assert.throws(() => parseXml('<svg><text>a & b</text></svg>'), /unescaped &/);
  assert.throws(() => parseXml('<svg a="1" a="2"/>'), /twice/);
  assert.throws(() => parseXml('<svg x=1/>'), /stray/);
  assert.throws(() => parseXml('<a/><b/>'), /one root/);
});

test('well-formed, with the loss (raw and smoothed), the dev curve and the selected epoch', () => {
  const svg = train.renderCurvesSvg(curves, { title: 'run <A & B>' });
  const root = parseXml(svg);
  assert.is(root.name, 'svg');
  assert.is(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const raw = points(byId(root, 'train-loss-raw'));
  const smoothed = points(byId(root, 'train-loss-smoothed'));
  const dev = points(byId(root, 'dev-score'));
  assert.is(raw.length, 30);
  assert.is(smoothed.length, 30);
  assert.is(dev.length, 3);
  assert.ok(raw.every((p) => p.length === 2 && p.every(Number.isFinite)), 'numeric points');
  // SVG y grows downwards: the falling loss goes down the page, dev peaks at epoch 2.
  assert.ok((raw[29]?.[1] as number) > (raw[0]?.[1] as number));
  assert.ok((dev[1]?.[1] as number) < (dev[0]?.[1] as number) && (dev[1]?.[1] as number) < (dev[2]?.[1] as number));
  const best = byId(root, 'dev-best');
  assert.ok(best, 'selected epoch marked');
  assert.match(find(best as Element, (e) => e.name === 'text')[0]?.text ?? '', /selected: epoch 2, dev 0\.66, test 0\.63/);
  assert.ok(svg.includes('run &lt;A &amp; B&gt;'), 'title escaped');
});

test('long runs are subsampled, empty and non-finite series still render', () => {
  const long: train.Curves = {
    steps: Array.from({ length: 50_000 }, (_, i) => i + 1),
    losses: Array.from({ length: 50_000 }, (_, i) => 1 / (1 + i)),
    devEpochs: [1], devScores: [NaN], bestEpoch: null, testScore: null,
  };
  const root = parseXml(train.renderCurvesSvg(long, { maxPoints: 500 }));
  assert.is(points(byId(root, 'train-loss-raw')).length, 500);
  assert.is(points(byId(root, 'dev-score')).length, 0);
  assert.is(byId(root, 'dev-best'), undefined);
  const empty = parseXml(train.renderCurvesSvg({ steps: [], losses: [], devEpochs: [], devScores: [], bestEpoch: null, testScore: null }));
  assert.is(find(empty, (e) => e.name === 'text' && e.text === 'no data').length, 2);
});

test('a series that moves by less than rounding renders with a few ticks (it used to loop forever)', () => {
  const loss = 2.302585092994046;
  const flat: train.Curves = {
    steps: [1, 2, 3], losses: [loss, loss + 4.4e-16, loss], devEpochs: [1, 2], devScores: [0.5, 0.5 + 1e-17], bestEpoch: 1, testScore: null,
  };
  const root = parseXml(train.renderCurvesSvg(flat));
  const labels = find(root, (e) => e.name === 'text' && /^-?[\d.]+$/.test(e.text.trim()));
  assert.ok(labels.length > 4 && labels.length < 40, `${labels.length} tick labels`);
  assert.is(points(byId(root, 'train-loss-raw')).length, 3);
});

test('curves from log records; smoothing is a debiased moving average', () => {
  const c = train.curvesFromLog([
    { type: 'step', step: 1, epoch: 0, batch: 0, loss: 3, parts: {}, lr: { encoder: 0, head: 0 }, gradNorm: 1, clipScale: 1, samples: 1, samplesPerSec: 1 },
    { type: 'step', step: 2, epoch: 0, batch: 1, loss: 2, parts: {}, lr: { encoder: 0, head: 0 }, gradNorm: 1, clipScale: 1, samples: 1, samplesPerSec: 1 },
    { type: 'eval', split: 'dev', epoch: 0, step: 2, score: 0.5, metrics: {}, best: true, seconds: 0 },
    { type: 'eval', split: 'test', epoch: 0, step: 2, score: 0.4, metrics: {}, seconds: 0 },
  ]);
  assert.equal(c, { steps: [1, 2], losses: [3, 2], devEpochs: [1], devScores: [0.5], bestEpoch: 1, testScore: 0.4 });
  assert.equal(train.smooth([2, 2, 2], 0.9).map((v) => Number(v.toFixed(12))), [2, 2, 2]);
  assert.is(train.smooth([5, 1], 0.9)[0], 5);
  assert.equal(train.smooth([5, 1], 0), [5, 1]);
});

test.run();
