// Drawn scenes for the synthetic images: a person, a place or a team crest per entity, each in
// its own panel (left to right in mention order). Shapes only, no text, so the rendering does not
// depend on installed fonts and the same seed gives the same pixels everywhere sharp runs.
import type { Rng } from './rng.js';
import type { SyntheticEntityType } from './vocabulary.js';

interface NamedColour {
  name: string;
  hex: string;
}

const STRONG: readonly NamedColour[] = [
  { name: 'red', hex: '#d62828' }, { name: 'blue', hex: '#1d4ed8' }, { name: 'green', hex: '#15803d' },
  { name: 'yellow', hex: '#eab308' }, { name: 'orange', hex: '#ea580c' }, { name: 'purple', hex: '#7e22ce' },
  { name: 'black', hex: '#111827' }, { name: 'teal', hex: '#0f766e' }, { name: 'maroon', hex: '#7f1d1d' },
];
const PASTEL: readonly NamedColour[] = [
  { name: 'light blue', hex: '#cfe3f5' }, { name: 'beige', hex: '#efe4cf' }, { name: 'lavender', hex: '#e2dcf2' },
  { name: 'mint', hex: '#d4efe1' }, { name: 'peach', hex: '#f6dccb' }, { name: 'pale grey', hex: '#e1e3e6' },
];
const HAIR: readonly NamedColour[] = [
  { name: 'black', hex: '#1c1917' }, { name: 'brown', hex: '#6b3f1d' }, { name: 'blond', hex: '#d6b354' },
  { name: 'red', hex: '#a3381b' }, { name: 'grey', hex: '#9ca3af' },
];
const SKIN: readonly string[] = ['#f1c9a5', '#e0ac69', '#c68642', '#8d5524', '#ffdbac'];
const SKIES: readonly NamedColour[] = [
  { name: 'clear blue', hex: '#5aa2e6' }, { name: 'orange sunset', hex: '#f28c45' }, { name: 'grey cloudy', hex: '#9aa5b1' },
];
const GROUNDS: readonly NamedColour[] = [
  { name: 'green', hex: '#4d8b3a' }, { name: 'sandy', hex: '#d9c28f' }, { name: 'grey', hex: '#6b7076' },
];

export type Scene =
  | { kind: 'person'; background: NamedColour; skin: string; hair: NamedColour; shirt: NamedColour; who: string; dx: number; scale: number }
  | { kind: 'place'; variant: 'city' | 'mountains' | 'coast'; sky: NamedColour; ground: NamedColour; heights: number[]; shades: string[] }
  | { kind: 'logo'; primary: NamedColour; secondary: NamedColour; emblem: 'star' | 'ball' | 'stripes'; background: string };

/** A random scene showing an entity of the given type. */
export function randomScene(type: SyntheticEntityType, rng: Rng): Scene {
  if (type === 'PER') {
    return {
      kind: 'person', background: rng.pick(PASTEL), skin: rng.pick(SKIN), hair: rng.pick(HAIR), shirt: rng.pick(STRONG),
      who: rng.pick(['man', 'woman', 'person']), dx: rng.range(-0.08, 0.08), scale: rng.range(0.85, 1.1),
    };
  }
  if (type === 'LOC') {
    const count = 3 + rng.int(4);
    return {
      kind: 'place', variant: rng.pick(['city', 'mountains', 'coast'] as const), sky: rng.pick(SKIES), ground: rng.pick(GROUNDS),
      heights: Array.from({ length: count }, () => rng.range(0.2, 0.55)),
      shades: Array.from({ length: count }, () => rng.pick(['#4b5563', '#6b7280', '#78716c', '#57534e', '#374151'])),
    };
  }
  const primary = rng.pick(STRONG);
  let secondary = rng.pick(STRONG);
  while (secondary === primary) secondary = rng.pick(STRONG);
  return { kind: 'logo', primary, secondary, emblem: rng.pick(['star', 'ball', 'stripes'] as const), background: rng.pick(['#ffffff', '#f3f4f6']) };
}

const f = (x: number) => x.toFixed(1);

/** The scene as SVG elements filling the box (x, y, w, h). */
export function sceneSvg(scene: Scene, x: number, y: number, w: number, h: number): string {
  const out: string[] = [];
  if (scene.kind === 'person') {
    const cx = x + w * (0.5 + scene.dx);
    const r = Math.min(w, h) * 0.16 * scene.scale;
    const headY = y + h * 0.36;
    out.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="${scene.background.hex}"/>`);
    out.push(`<ellipse cx="${f(cx)}" cy="${f(y + h)}" rx="${f(r * 2.3)}" ry="${f(h * 0.36)}" fill="${scene.shirt.hex}"/>`);
    out.push(`<rect x="${f(cx - r * 0.35)}" y="${f(headY + r * 0.8)}" width="${f(r * 0.7)}" height="${f(r * 0.6)}" fill="${scene.skin}"/>`);
    out.push(`<circle cx="${f(cx)}" cy="${f(headY)}" r="${f(r)}" fill="${scene.skin}"/>`);
    out.push(`<path d="M${f(cx - r)} ${f(headY)} A${f(r)} ${f(r)} 0 0 1 ${f(cx + r)} ${f(headY)} Z" fill="${scene.hair.hex}"/>`);
  } else if (scene.kind === 'place') {
    const horizon = y + h * 0.7;
    out.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="${scene.sky.hex}"/>`);
    out.push(`<circle cx="${f(x + w * 0.78)}" cy="${f(y + h * 0.18)}" r="${f(Math.min(w, h) * 0.08)}" fill="#fde68a"/>`);
    const n = scene.heights.length;
    scene.heights.forEach((hh, i) => {
      const bx = x + (w * i) / n;
      const top = horizon - h * hh;
      if (scene.variant === 'city') {
        out.push(`<rect x="${f(bx + 1)}" y="${f(top)}" width="${f(w / n - 2)}" height="${f(horizon - top)}" fill="${scene.shades[i]}"/>`);
        for (let wy = top + 4; wy < horizon - 4; wy += 7) out.push(`<rect x="${f(bx + 3)}" y="${f(wy)}" width="${f(Math.max(1, w / n - 6))}" height="2" fill="#fcd34d"/>`);
      } else {
        const peak = bx + w / n / 2;
        out.push(`<path d="M${f(bx - w / n / 2)} ${f(horizon)} L${f(peak)} ${f(top)} L${f(bx + (w / n) * 1.5)} ${f(horizon)} Z" fill="${scene.shades[i]}"/>`);
        if (scene.variant === 'mountains') out.push(`<path d="M${f(peak - 4)} ${f(top + 6)} L${f(peak)} ${f(top)} L${f(peak + 4)} ${f(top + 6)} Z" fill="#ffffff"/>`);
      }
    });
    const groundFill = scene.variant === 'coast' ? '#2563eb' : scene.ground.hex;
    out.push(`<rect x="${f(x)}" y="${f(horizon)}" width="${f(w)}" height="${f(y + h - horizon)}" fill="${groundFill}"/>`);
  } else {
    const sx = x + w * 0.15;
    const sw = w * 0.7;
    const top = y + h * 0.18;
    const mid = y + h * 0.55;
    const bottom = y + h * 0.85;
    const shield = `M${f(sx)} ${f(top)} L${f(sx + sw)} ${f(top)} L${f(sx + sw)} ${f(mid)} Q${f(sx + sw)} ${f(bottom - h * 0.08)} ${f(sx + sw / 2)} ${f(bottom)} Q${f(sx)} ${f(bottom - h * 0.08)} ${f(sx)} ${f(mid)} Z`;
    out.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="${scene.background}"/>`);
    out.push(`<path d="${shield}" fill="${scene.primary.hex}" stroke="${scene.secondary.hex}" stroke-width="${f(Math.max(1.5, w * 0.04))}"/>`);
    const cx = sx + sw / 2;
    const cy = (top + bottom) / 2;
    const r = Math.min(sw, bottom - top) * 0.22;
    if (scene.emblem === 'star') {
      const pts = Array.from({ length: 10 }, (_, k) => {
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        const rr = k % 2 === 0 ? r : r * 0.45;
        return `${f(cx + rr * Math.cos(a))},${f(cy + rr * Math.sin(a))}`;
      });
      out.push(`<polygon points="${pts.join(' ')}" fill="${scene.secondary.hex}"/>`);
    } else if (scene.emblem === 'ball') {
      out.push(`<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r)}" fill="#ffffff" stroke="${scene.secondary.hex}" stroke-width="2"/>`);
    } else {
      out.push(`<rect x="${f(cx - sw * 0.12)}" y="${f(top)}" width="${f(sw * 0.24)}" height="${f(bottom - top - h * 0.06)}" fill="${scene.secondary.hex}"/>`);
    }
  }
  return out.join('');
}

/** One image made of panels, left to right, as a complete SVG document. */
export function imageSvg(scenes: readonly Scene[], size: number): string {
  const w = size / scenes.length;
  const body = scenes.map((s, i) => sceneSvg(s, i * w, 0, w, size)).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${body}</svg>`;
}

/** "a" or "an" before a word. */
function a(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

/** A factual caption of one scene, the kind of text an LMM context would contain. */
export function sceneCaption(scene: Scene, rng: Rng): string {
  if (scene.kind === 'person') {
    return rng.pick([
      `${a(scene.who)} with ${scene.hair.name} hair wearing ${a(scene.shirt.name)} shirt in front of ${a(scene.background.name)} wall`,
      `a portrait of ${a(scene.who)} in ${a(scene.shirt.name)} top, with ${scene.hair.name} hair`,
      `a smiling ${scene.who} posing for a photo, ${scene.hair.name} hair and ${a(scene.shirt.name)} shirt`,
    ]);
  }
  if (scene.kind === 'place') {
    const what =
      scene.variant === 'city'
        ? `a city skyline with ${scene.heights.length} tall buildings`
        : scene.variant === 'mountains'
          ? `a range of snowy mountains`
          : `a coastline with hills by the sea`;
    return rng.pick([`${what} under ${a(scene.sky.name)} sky`, `a landscape view of ${what}, ${a(scene.sky.name)} sky above`]);
  }
  const emblem = scene.emblem === 'stripes' ? 'a vertical stripe' : scene.emblem === 'ball' ? 'a ball' : 'a star';
  return rng.pick([
    `the crest of a sports team: ${a(scene.primary.name)} shield with ${emblem} in ${scene.secondary.name}`,
    `${a(scene.primary.name)} and ${scene.secondary.name} football club logo with ${emblem}`,
    `a team badge, ${a(scene.primary.name)} shield with ${emblem}`,
  ]);
}

/** Caption of a whole image: one scene, or the panels named left and right. */
export function imageCaption(scenes: readonly Scene[], rng: Rng): string {
  const parts = scenes.map((s) => sceneCaption(s, rng));
  if (parts.length === 1) return `The image shows ${parts[0]}.`;
  return `Two pictures side by side. On the left, ${parts[0]}. On the right, ${parts[1]}.`;
}
