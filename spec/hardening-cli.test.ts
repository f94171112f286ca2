// Issue 15, defect 9: every command-line mistake the attack run made printed
// "internal error" and ten lines of stack. Each now gets one line with a
// stable code and the right exit code (2 usage, 1 findings); `--labelled -5`
// is refused; check and test on a folder without a pack exit 2, not 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { writeBundle } from '../runtime/bundle.ts';
import { cli, spawnCli, type Run } from './cli-run.ts';

const demo = join(import.meta.dirname, '..', 'rules', 'demo');
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-cli-errors-'));
const missing = join(dir, 'missing');
const empty = join(dir, 'empty');
const folderLikeFile = join(dir, 'folder.zy');
mkdirSync(empty);
mkdirSync(folderLikeFile);
const EVENT = '{"type":"login","customer_id":"c1","occurred_at":"2026-03-01T10:00"}';
let db: string;

test.before(async () => {
  db = join(dir, 'demo.db');
  assert.is((await cli('db', 'seed', '--demo', db, '--customers', '60')).code, 0);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** One line on standard error, starting with a code; no stack, no "internal error". */
function oneCodedLine(r: Run, code: RegExp, what: string): void {
  const err = r.err.trim();
  assert.not.match(err, /internal error|\n\s+at |Error: E[A-Z]+:/, `${what}: ${err}`);
  assert.is(err.split('\n').length, 1, `${what}: more than one line:\n${err}`);
  assert.match(err, code, `${what}: ${err}`);
}

test('#15.9 a missing path, or a folder where a file is expected, is a coded one-line usage error for every command', async () => {
  for (const args of [
    ['check', missing], ['fmt', missing], ['test', missing], ['compile', missing, '-o', join(dir, 'x.zyb')], ['dump', missing],
    ['eval', missing, '--event', EVENT], ['eval', demo, '--scenario', empty], ['eval', demo, '--event', empty],
    ['eval', demo, '--scenario', missing], ['test', demo, '--reporter', 'junit', '-o', empty], ['check', demo, '-o', empty],
  ]) {
    const r = await cli(...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    oneCodedLine(r, /^ZY820[14]: /, args.join(' '));
  }
});

test('#15.9 check, test, fmt and compile on a folder with no pack exit 2 (a CI run must not pass on nothing)', async () => {
  for (const args of [['check', empty], ['test', empty], ['fmt', empty], ['check', folderLikeFile], ['check', demo, empty], ['compile', empty, '-o', join(dir, 'x.zyb')]]) {
    const r = await cli(...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    oneCodedLine(r, /^ZY8202: .*no pack/, args.join(' '));
  }
});

test('#15.9 --event and --scenario must hold a JSON object; --labelled a positive whole number', async () => {
  for (const value of ['[1]', 'null', '"x"', '42', '{"type": "login"']) {
    const r = await cli('eval', demo, '--event', value);
    assert.is(r.code, 2, `--event ${value}: ${r.err}`);
    oneCodedLine(r, /^ZY8203: --event/, `--event ${value}`);
  }
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, '[{"event": {}}]');
  oneCodedLine(await cli('eval', demo, '--scenario', scenario), /^ZY8203: --scenario/, 'scenario array');
  for (const n of ['abc', '-5', '0', '1.5', '']) {
    const r = await cli('eval', demo, '--db', db, '--labelled', n);
    assert.is(r.code, 2, `--labelled ${n}: ${r.out}${r.err}`);
    oneCodedLine(r, /^ZY8203: --labelled/, `--labelled ${n}`);
  }
  // An event in a file still works, and so does the event itself.
  const ev = join(dir, 'event.json');
  writeFileSync(ev, EVENT);
  assert.is((await cli('eval', demo, '--event', ev)).code, 0);
  assert.is((await cli('eval', demo, '--event', EVENT)).code, 0);
});

test('#15.9 keys: a file that is not a key, and keygen onto existing files, are coded one-line errors', async () => {
  const notKey = join(dir, 'not-a-key.pem');
  writeFileSync(notKey, 'hello\n');
  const bundle = join(dir, 'ok.zyb');
  assert.is((await cli('compile', demo, '-o', bundle)).code, 0);
  for (const args of [['compile', demo, '-o', join(dir, 'y.zyb'), '--sign', notKey], ['compile', demo, '-o', join(dir, 'y.zyb'), '--sign', missing], ['verify', bundle, '--public-key', notKey], ['eval', bundle, '--event', EVENT, '--public-key', notKey]]) {
    const r = await cli(...args);
    assert.is(r.code, 2, args.join(' '));
    oneCodedLine(r, /^ZY8006: /, args.join(' '));
  }
  const keys = join(dir, 'keys');
  assert.is((await cli('keygen', keys)).code, 0);
  const before = readFileSync(join(keys, 'zhiyu.pub.pem'), 'utf8');
  rmSync(join(keys, 'zhiyu.key.pem'));
  for (const target of [keys, notKey]) {
    const r = await cli('keygen', target);
    assert.is(r.code, 2, target);
    oneCodedLine(r, /^ZY8204: /, `keygen ${target}`);
  }
  assert.is(readFileSync(join(keys, 'zhiyu.pub.pem'), 'utf8'), before, 'the public key was not overwritten');
});

test('#15.9 databases: a new one without --pack is refused and not left behind; a folder or a damaged file is a coded one-line error', async () => {
  const fresh = join(dir, 'fresh.db');
  const events = join(dir, 'events.jsonl');
  writeFileSync(events, `${EVENT}\n`);
  const r = await cli('db', 'import', fresh, events);
  assert.is(r.code, 1);
  oneCodedLine(r, /^ZY7006: .*--pack/, 'db import without --pack');
  assert.not.ok(existsSync(fresh), 'no database file was left behind');
  for (const args of [['eval', demo, '--db', empty, '--event', EVENT], ['eval', demo, '--db', empty, '--labelled', '3'], ['replay', empty, '1', '--pack', demo], ['backtest', demo, '--db', empty], ['serve', '--bundle', join(dir, 'ok.zyb'), '--insecure-unsigned', '--db', empty, '--port', '0']]) {
    const out = await cli(...args);
    assert.ok(out.code === 1 || out.code === 2, `${args.join(' ')}: ${out.code}`);
    oneCodedLine(out, /^ZY7007: .*folder/, args.join(' '));
  }
  // Damage the middle of a real database: pages of table data overwritten.
  const damaged = join(dir, 'damaged.db');
  copyFileSync(db, damaged);
  const size = statSync(damaged).size;
  const fd = openSync(damaged, 'r+');
  for (let at = 8192; at < size - 4096; at += 16384) writeSync(fd, Buffer.alloc(2048, 0xa5), 0, 2048, at);
  closeSync(fd);
  for (const args of [['eval', demo, '--db', damaged, '--labelled', '50'], ['backtest', demo, '--db', damaged, '--workers', '0']]) {
    const out = await cli(...args);
    assert.ok(out.code === 1 || out.code === 2, `${args.join(' ')}: ${out.code} ${out.err}`);
    oneCodedLine(out, /^ZY70\d\d: /, args.join(' '));
  }
});

test('#15.9 a bundle whose hash is right but whose body or code is malformed is a coded one-line error', async () => {
  const files = readPack([demo]);
  const good = JSON.parse(writeBundle(compile(files), files));
  const rehash = (body: string) => JSON.stringify({ ...good, body, sha256: createHash('sha256').update(body, 'utf8').digest('hex') });
  const body = JSON.parse(good.body);
  const variants: Record<string, string> = {
    'not JSON': rehash('{"manifest": '),
    'no manifest': rehash(JSON.stringify({ program: body.program })),
    'null body': rehash('null'),
    'code is not JavaScript': rehash(JSON.stringify({ ...body, program: { ...body.program, code: { ...body.program.code, source: 'this is ( not javascript' } } })),
    'pack is not a pack': rehash(JSON.stringify({ ...body, program: { ...body.program, pack: { schema: 7 } } })),
  };
  for (const [name, text] of Object.entries(variants)) {
    const path = join(dir, `${name.replace(/ /g, '-')}.zyb`);
    writeFileSync(path, text);
    for (const args of [['eval', path, '--event', EVENT], ['verify', path, '--hash-only']]) {
      const r = await cli(...args);
      assert.is(r.code, 1, `${name}: ${args[0]}: ${r.err}`);
      oneCodedLine({ ...r, err: r.err.split('\n').filter((l) => !l.startsWith('warning:')).join('\n') }, /^ZY800[14]: /, `${name}: ${args[0]}`);
    }
  }
});

test('#15.9 the real binary prints no stack trace for an unexpected error either', async () => {
  const r = await spawnCli(['check', missing]);
  assert.is(r.code, 2);
  // Node's own notices (about colour variables) are not ours.
  oneCodedLine({ ...r, err: r.err.split('\n').filter((l) => !/^\(node:\d+\)|^\(Use `node/.test(l)).join('\n') }, /^ZY8201: /, 'bin check missing');
});

test.run();
