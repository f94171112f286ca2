// `zhiyu backtest` end to end: the table, --json (the library's result),
// --html (self-contained, every injected string escaped), a bundle as the
// baseline, and clear errors with codes for bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backtest } from '../runtime/backtest/index.ts';
import { backtestHtml, jsonForScript } from '../cli/backtest-html.ts';
import { BASELINE, CANDIDATE, dir, fresh, handStore, packDir, program, store, at } from './backtest-fixtures.ts';
import { cli, spawnCli } from './cli-run.ts';

const hand = handStore();
const candidateDir = packDir('candidate', CANDIDATE);
const baselineDir = packDir('baseline', BASELINE);

test('the text report: summary, rules, outcomes and the change against a baseline', async () => {
  const r = await cli('backtest', candidateDir, '--db', hand, '--baseline', baselineDir);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /backtest of bt 1\.0: 4 rules/);
  assert.match(r.out, /events\s+9 in range, 9 decided/);
  assert.match(r.out, /labels\s+measured by fraud, chargeback: 3 positive \(¥3,200\), 2 negative, 4 unlabelled/);
  assert.match(r.out, /profile\s+customer \(age_years\): 7 reads, 0 as of the event, 7 not known as of the event/);
  assert.match(r.out, /\n\s+BIG\s+review\s+2\s+22\.22%\s+1\s+50\.0%\s+33\.3%\s+0\s+¥2,000\s+¥1,500\n/);
  assert.match(r.out, /\n\s+hold → allow\s+2\s+0\s+¥0\s+¥1,300\s+2, 7\n/);
  assert.match(r.out, /good customers hit\s+3 → 1 \(-2\)/);
});

test('--json prints the library result; the end-to-end command agrees', async () => {
  const lib = await backtest(program(CANDIDATE), hand, { baseline: program(BASELINE) });
  const { run: _lib, ...expected } = lib;
  const r = await spawnCli(['backtest', candidateDir, '--db', hand, '--baseline', baselineDir, '--json', '--workers', '2']);
  assert.is(r.code, 0, r.err);
  const { run, ...got } = JSON.parse(r.out) as typeof lib;
  assert.equal(got, JSON.parse(JSON.stringify(expected)));
  assert.is(run.workers, 2);
});

test('a bundle works as the pack and as the baseline', async () => {
  const bundle = join(dir, 'live.zyb');
  assert.is((await cli('compile', baselineDir, '-o', bundle)).code, 0);
  const a = await cli('backtest', candidateDir, '--db', hand, '--baseline', bundle, '--json');
  assert.is(a.code, 0, a.err);
  assert.is(JSON.parse(a.out).comparison.changed, 4);
  const b = await cli('backtest', bundle, '--db', hand, '--from', '2026-02-11', '--json');
  assert.is(b.code, 0, b.err);
  assert.equal([JSON.parse(b.out).pack.name, JSON.parse(b.out).events.total], ['live', 5]);
});

test('bad input: a clear message with a code and a non-zero exit', async () => {
  const cases: [string[], number, RegExp][] = [
    [['backtest', join(dir, 'nope'), '--db', hand], 2, /ZY7501: pack .*nope does not exist/],
    [['backtest', candidateDir, '--db', join(dir, 'nope.db')], 1, /ZY7001: database .*nope\.db does not exist/],
    [['backtest', candidateDir, '--db', hand, '--from', 'yesterday'], 2, /ZY7502: from "yesterday" is not a time/],
    [['backtest', candidateDir, '--db', hand, '--from', '2026-03-01', '--to', '2026-02-01'], 2, /ZY7502: the range is empty/],
    [['backtest', candidateDir, '--db', hand, '--workers', 'two'], 2, /ZY7503: --workers takes a whole number/],
    [['backtest', candidateDir, '--db', hand, '--baseline', dir], 2, /ZY7501: baseline .* holds \d+ packs/],
  ];
  for (const [args, exit, message] of cases) {
    const r = await cli(...args);
    assert.is(r.code, exit, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  const broken = join(dir, 'broken.zyb');
  assert.is((await cli('compile', candidateDir, '-o', broken)).code, 0);
  writeFileSync(broken, readFileSync(broken, 'utf8').replace('BURST', 'BURSX'));
  const tampered = await cli('backtest', broken, '--db', hand);
  assert.is(tampered.code, 1);
  assert.match(tampered.err, /ZY8002: pack .*broken\.zyb: the bundle was altered/);
  writeFileSync(broken, '{"format": "zhiyu-bundle/1", "bo');
  const truncated = await cli('backtest', candidateDir, '--db', hand, '--baseline', broken);
  assert.is(truncated.code, 1);
  assert.match(truncated.err, /ZY8001: baseline .*truncated/);
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all '.repeat(100));
  const notDb = await cli('backtest', candidateDir, '--db', junk);
  assert.is(notDb.code, 1);
  assert.match(notDb.err, /ZY7007/);
  const errors = await cli('backtest', packDir('errors', CANDIDATE.replace('then hold', 'then halt')), '--db', hand);
  assert.is(errors.code, 1);
  assert.match(errors.err, /ZY2004[\s\S]*ZY7501: pack .* has errors/);
});

const EVIL = `</script><script>alert("x")</script><img src=x onerror=alert(1)>`;

test('--html: one self-contained file, charts inlined, every injected string escaped', async () => {
  // A rule title, a pack version and a stored event type (shown as a skipped
  // event's reason) all carry markup.
  const evil = CANDIDATE.replace('pack bt version "1.0"', `pack bt version "1.0${EVIL.replace(/"/g, "'")}"`)
    .replace('"Large transfer"', `"Large ${EVIL.replace(/"/g, "'")}"`);
  const path = store(fresh('evil'), [{ seq: 1, customer_id: 'c', type: 'transfer_out', amount: 500_000, at: at('2026-02-20T10:00') }], (db) => {
    db.prepare('INSERT INTO zy_events (zy_seq, type, customer_id, occurred_at) VALUES (2, ?, ?, ?)').run(EVIL, EVIL, at('2026-02-20T11:00'));
  });
  const file = join(dir, 'report.html');
  const r = await cli('backtest', packDir('evil', evil), '--db', path, '--html', file, '--baseline', baselineDir);
  assert.is(r.code, 0, r.err);
  const html = readFileSync(file, 'utf8');
  assert.ok(html.startsWith('<!doctype html>'));
  assert.match(html, /Chart\.js v4\.5\.1/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.not.match(html, /<(link|img|iframe|object|embed)\b|\b(src|href)=["']?https?:/i, 'nothing to fetch');
  assert.not.match(html, /sourceMappingURL/);
  for (const bad of ['<img src=x', '<script>alert', 'onerror=alert(1)>']) assert.not.ok(html.includes(bad), `raw ${bad} in the page`);
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the title and the skipped event are shown, escaped');
  // Exactly three script elements: the data, the library, the charts.
  assert.is(html.split('<script').length - 1, 3);
  assert.is(html.split('</script>').length - 1, 3);
  const data = /<script type="application\/json" id="zy-data">([^<]*)<\/script>/.exec(html);
  assert.ok(data, 'the data block holds no "<"');
  const parsed = JSON.parse(data![1]!) as { days: string[]; hits: { label: string }[] };
  assert.equal(parsed.days, ['2026-02-20']);
  assert.equal(parsed.hits.map((h) => h.label), ['BIG']);
});

test('the page draws its charts from the data block (jsonForScript round-trips any string)', async () => {
  const s = { a: EVIL, b: '\u2028\u2029&<>', c: ['</SCRIPT>', '<!--'] };
  const text = jsonForScript(s);
  assert.not.match(text, /[<>&\u2028\u2029]/);
  assert.equal(JSON.parse(text), s);
  const run = await backtest(program(CANDIDATE), hand);
  const html = backtestHtml(run);
  assert.match(html, /new Chart\(document\.getElementById\('hits'\)/);
  assert.match(html, /new Chart\(document\.getElementById\('outcomes'\)/);
});

test.run();
