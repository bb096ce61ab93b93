// The shape of lib/ stays as docs/ARCHITECTURE.md draws it: no import cycle between files (counting
// the imports that run: `import type` is erased, so a client and the interface it implements may
// name each other), and no import, of any kind, from a lower layer up to a higher one. The folder barrels
// (index.ts) are the public face and may re-export from anywhere; lib code imports the files
// themselves, never a barrel, so a barrel can not close a cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('architecture');
const lib = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib');

/**
 * Layers from the bottom up; an entry is a folder or a file of lib/ (the longest entry that
 * contains a file decides its layer). A file may import its own layer and the layers below.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'util'],
  ['native'],
  ['device.ts', 'precision.ts', 'runtime.ts'],
  ['kernels'],
  ['shapley', 'align', 'checkpoint', 'tokenizer', 'image', 'data', 'metrics', 'lmm', 'hub'],
  ['train'],
  ['encoders'],
  ['nn'],
  ['heads'],
  ['model'],
  ['extract'],
  ['tasks', 'pretrain', 'baselines'],
  ['extract/extractor.ts'],
  ['explain', 'distributed'],
  ['bench'],
  ['cli'],
  ['index.ts'],
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * lib-relative posix path of every file and the lib files it imports or re-exports; `runtime`
 * leaves out the `import type` / `export type` statements.
 */
function importGraph(runtime = false): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const rel = (p: string) => relative(lib, p).split(sep).join(posix.sep);
  for (const file of tsFiles(lib)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)(\s+type\b)?[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'|\bimport\s*\(\s*'(\.{1,2}\/[^']+)'|^import\s+'(\.{1,2}\/[^']+)'/gm)) {
      if (runtime && m[1]) continue;
      const spec = m[2] ?? m[3] ?? m[4];
      targets.push(rel(join(dirname(file), spec!.replace(/\.js$/, '.ts'))));
    }
    graph.set(rel(file), targets);
  }
  return graph;
}

/** An index.ts made of re-exports only (shapley/index.ts and align/index.ts are modules). */
function isBarrel(f: string): boolean {
  if (f !== 'index.ts' && !f.endsWith('/index.ts')) return false;
  const code = readFileSync(join(lib, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  return code.split(/;\s*/).every((statement) => statement.trim() === '' || /^export\s[\s\S]*\sfrom\s+'[^']+'$/.test(statement.trim()));
}

function layerOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((entries, i) => {
    for (const e of entries) {
      const match = file === e || file.startsWith(`${e}/`);
      if (match && e.length > bestLength) {
        best = i;
        bestLength = e.length;
      }
    }
  });
  return best;
}

/** One cycle per strongly connected group of files, as a path a → b → … → a. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') found.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

test('every import names a file that exists', () => {
  const graph = importGraph();
  const missing = [...graph].flatMap(([f, ts]) => ts.filter((t) => !graph.has(t)).map((t) => `${f} → ${t}`));
  assert.equal(missing, []);
});

test('every file of lib/ has a layer', () => {
  const unplaced = [...importGraph().keys()].filter((f) => layerOf(f) < 0);
  assert.equal(unplaced, [], 'add these to LAYERS (and to docs/ARCHITECTURE.md)');
});

test('no import cycle', () => {
  assert.equal(cycles(importGraph(true)).map((c) => c.join(' → ')), []);
});

test('no import from a lower layer up to a higher one', () => {
  const up: string[] = [];
  for (const [f, targets] of importGraph()) {
    if (isBarrel(f)) continue;
    for (const t of targets) if (layerOf(t) > layerOf(f)) up.push(`${f} (layer ${layerOf(f)}) → ${t} (layer ${layerOf(t)})`);
  }
  assert.equal(up, []);
});

test('lib code imports files, not the folder barrels', () => {
  const viaBarrel = [...importGraph()].flatMap(([f, ts]) => (isBarrel(f) ? [] : ts.filter(isBarrel).map((t) => `${f} → ${t}`)));
  assert.equal(viaBarrel, []);
});

test('the checker sees a cycle and an upward import when there is one', () => {
  const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', []]]);
  assert.equal(cycles(g), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  assert.ok(layerOf('heads/crf-tagger.ts') < layerOf('model/backbone.ts'));
  assert.ok(layerOf('extract/extractor.ts') > layerOf('tasks/registry.ts'));
  assert.ok(layerOf('extract/pipeline.ts') < layerOf('tasks/registry.ts'));
});

test.run();
