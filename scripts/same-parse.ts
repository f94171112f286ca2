// Whether a change to the lexer, parser or checker leaves what they produce as
// it was: for every shipped pack (rules/), the bench packs, every case of
// spec/cases (after prelude.zy), the 100, 1,000 and 10,000-rule packs, and
// damaged copies of the small ones (a character deleted, doubled or replaced,
// a line cut short, a word swapped for a keyword), compares with an old copy
// of compiler/: the tokens (as the editor's highlighting gets them), each
// file's AST, diagnostics and broken names, and the checked pack with the
// front's diagnostics (codes, messages, spans), all serialized. Exits 1 when
// anything differs. OLD_DIR as for same-codegen.ts.
//
//   node --import tsx scripts/same-parse.ts OLD_DIR [--no-scale] [--damaged N]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as NEW_INDEX from '../compiler/index.ts';
import * as NEW_PARSE from '../compiler/parse.ts';
import * as NEW_LEXER from '../compiler/lexer.ts';
import type { SourceFile } from '../compiler/index.ts';
import { comparedPacks } from './compared-packs.ts';
import { rng } from '../demo/rows.ts';
import { scalePackFiles } from '../bench/scale-pack.ts';

interface Compiler { index: typeof NEW_INDEX; parse: typeof NEW_PARSE; lexer: typeof NEW_LEXER }

const DAMAGE = ['"', "'", '(', ')', '{', '}', '[', ']', ',', ':', '.', '=', '<', '>', '!', '@', '¥', '#', '\n', ' ', '0', 'x', '%', '?', '-', '/', '\u3000'];
const WORDS = ['and', 'or', 'not', 'when', 'then', 'rule', 'in', 'between', 'is', 'missing', 'note', 'at', 'event', 'andy', 'fired', 'expect', 'cases'];

function damage(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * text.length);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  switch (Math.floor(rnd() * 5)) {
    case 0: return text.slice(0, at) + text.slice(at + 1);
    case 1: return text.slice(0, at) + text[at] + text.slice(at);
    case 2: return text.slice(0, at) + pick(DAMAGE) + text.slice(at + 1);
    case 3: { const eol = text.indexOf('\n', at); return text.slice(0, at) + (eol < 0 ? '' : text.slice(eol)); }
    default: {
      const m = /[A-Za-z_][A-Za-z0-9_]*/y;
      let i = at;
      while (i < text.length && !/[A-Za-z_]/.test(text[i]!)) i++;
      m.lastIndex = i;
      const w = m.exec(text);
      return w ? text.slice(0, i) + pick(WORDS) + text.slice(i + w[0].length) : text + pick(WORDS);
    }
  }
}

function outputs(C: Compiler, files: readonly SourceFile[]): string[] {
  const text = (f: () => unknown): string => { try { return JSON.stringify(f() ?? null); } catch (e) { return `threw ${String(e)}`; } };
  const out = files.map((f) => text(() => {
    const t = C.lexer.tokenize(f.text);
    return [t.tokens.map((x) => [x.image, x.startOffset, x.endOffset, x.tokenType.name, x.tokenTypeIdx === x.tokenType.tokenTypeIdx]), t.errors, (t.groups['comments'] ?? []).map((x) => [x.image, x.startOffset])];
  }));
  files.forEach((f, i) => out.push(text(() => C.parse.parseFile(f.text, i))));
  out.push(text(() => { const r = C.index.front(files); return { diagnostics: r.diagnostics, checked: r.checked }; }));
  return out;
}

async function main(): Promise<number> {
  const old = process.argv[2];
  if (!old || old.startsWith('--')) { console.error('usage: node --import tsx scripts/same-parse.ts OLD_DIR [--no-scale] [--damaged N]'); return 2; }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const load = async (dir: string): Promise<Compiler> => ({
    index: await import(join(dir, 'compiler/index.ts')) as typeof NEW_INDEX,
    parse: await import(join(dir, 'compiler/parse.ts')) as typeof NEW_PARSE,
    lexer: await import(join(dir, 'compiler/lexer.ts')) as typeof NEW_LEXER,
  });
  const OLD = await load(old);
  const NEW: Compiler = { index: NEW_INDEX, parse: NEW_PARSE, lexer: NEW_LEXER };
  const sets = comparedPacks(root);
  // Damaged copies: one to three changes to one file of a small pack.
  const n = Number(process.argv[process.argv.indexOf('--damaged') + 1] ?? 0) || 1500;
  const small = sets.filter(([, fs]) => fs.every((f) => f.text.length < 200_000));
  const rnd = rng(20261207);
  for (let k = 0; k < n; k++) {
    const [name, fs] = small[k % small.length]!;
    const which = Math.floor(rnd() * fs.length);
    let t = fs[which]!.text;
    const times = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < times; j++) t = damage(t, rnd);
    sets.push([`${name} damaged #${k}`, fs.map((f, i) => (i === which ? { ...f, text: t } : f))]);
  }
  if (!process.argv.includes('--no-scale')) for (const size of [100, 1000, 10000]) sets.push([`scale ${size}`, scalePackFiles(size, 20260301)]);
  let same = 0;
  let differ = 0;
  let withErrors = 0;
  for (const [name, files] of sets) {
    const a = outputs(OLD, files);
    const b = outputs(NEW, files);
    if (/"severity":"error"/.test(a[a.length - 1]!)) withErrors++;
    const bad = a.flatMap((x, i) => (x === b[i] ? [] : [i]));
    if (bad.length === 0) same++;
    else { differ++; console.log(`differs: ${name} (outputs ${bad.join(', ')})`); }
  }
  console.log(`${sets.length} packs (${withErrors} with errors): ${same} identical, ${differ} differ`);
  return differ ? 1 : 0;
}

process.exitCode = await main();
