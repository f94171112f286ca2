// Issue 15, defect 7: `zhiyu dump` prints the constants as `// K[i] = …`
// comments above the generated code. A U+2028 inside a list member ended the
// comment, so the rest of the member read as code. Every comment the
// generator writes now has its line terminators escaped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-dump-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** JavaScript's line terminators: each ends a `//` comment. */
const LINE = /\r\n|[\n\r\u2028\u2029]/;
const HOSTILE = ['a\u2028globalThis.__dumped = 1 //', 'b\u2029throw 1', 'c\rx', 'd\ny', 'e\r\nz'];

/** The lines of the constants header, split the way a JavaScript parser splits them. */
function headerLines(out: string): string[] {
  const end = out.indexOf('\n', out.lastIndexOf('// K['));
  return out.slice(0, end).split(LINE);
}

test('#15.7 zhiyu dump: a list member or string with a line terminator cannot end its // comment', async () => {
  const members = HOSTILE.map((s) => JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')).join(', ');
  writeFileSync(join(dir, 'p.zy'), `pack p\noutcomes block > allow\nevent { name: string }\nlist odd: string = [${members}]\nrule R when event.name in odd or event.name in [${members}, "f", "g", "h"] then block\n`);
  const r = await cli('dump', dir);
  assert.is(r.code, 0, r.err);
  const lines = headerLines(r.out);
  assert.ok(lines.length >= 3, r.out.slice(0, 400));
  for (const l of lines) assert.match(l, /^\/\/ /, `a header line outside its comment: ${JSON.stringify(l)}`);
  // The escaped text still says what the constant is.
  assert.match(r.out, /a\\u2028globalThis/);
  // The whole output parses as the body of a function, and nothing in it ran.
  assert.not.throws(() => new Function('K', 'R', r.out));
});

test('#15.7 zhiyu jsonlogic dump escapes its comments too', async () => {
  const file = join(dir, 'rule.json');
  writeFileSync(file, JSON.stringify({ in: [{ var: 'name' }, [...HOSTILE, 'f', 'g', 'h', 'i']] }));
  const r = await cli('jsonlogic', 'dump', file);
  assert.is(r.code, 0, r.err);
  for (const l of headerLines(r.out)) assert.match(l, /^\/\/ /, `a header line outside its comment: ${JSON.stringify(l)}`);
});

test.run();
