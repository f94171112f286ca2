// Issue 15, defect 6: a bundle is JavaScript. A re-hashed bundle with code
// injected into it ran on reload, `eval` and `backtest --baseline`; `verify`
// called it "intact" and /v1/bundle said `signed: true` for a signature it
// never checked. Now production serve runs only bundles verified against a
// trusted key (unless --insecure-unsigned), and every report says exactly
// what was checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { BundleError, parseBundle, writeBundle } from '../runtime/bundle.ts';
import { serve } from '../runtime/server.ts';
import { BIN, cli } from './cli-run.ts';

const demo = join(import.meta.dirname, '..', 'rules', 'demo');
const files = readPack([demo]);
const compiled = compile(files);
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-trust-'));
const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pub: publicKey.export({ type: 'spki', format: 'pem' }) as string };
};
const ours = pair();
const theirs = pair();
const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
const unsignedText = writeBundle(compiled, files);
const signedText = writeBundle(compiled, files, ours.priv);
const pub = write('ours.pub.pem', ours.pub);

/** What an attacker with write access to a bundle does: inject code into the body, recompute the hash, keep any signature. */
function inject(text: string): string {
  const file = JSON.parse(text);
  const body = JSON.parse(file.body);
  body.program.code.source = `globalThis.__zhiyuInjected = true;\n${body.program.code.source}`;
  file.body = JSON.stringify(body);
  file.sha256 = createHash('sha256').update(file.body, 'utf8').digest('hex');
  return `${JSON.stringify(file)}\n`;
}
const injectedUnsigned = write('injected.zyb', inject(unsignedText));
const injectedSigned = write('injected-signed.zyb', inject(signedText));
const unsigned = write('unsigned.zyb', unsignedText);
const signed = write('signed.zyb', signedText);

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('#15.6 verify never calls a re-hashed bundle intact: without a key it says the signature was not checked and fails', async () => {
  for (const path of [injectedUnsigned, injectedSigned, unsigned]) {
    const r = await cli('verify', path);
    assert.is(r.code, 1, `${path}: ${r.out}${r.err}`);
    assert.not.match(r.out + r.err, /intact/);
    assert.match(r.out + r.err, /NOT (verified|signed)/);
  }
  const bad = await cli('verify', injectedSigned, '--public-key', pub);
  assert.is(bad.code, 1);
  assert.match(bad.err, /ZY8003: .*the bundle signature does not match/);
  const good = await cli('verify', signed, '--public-key', pub);
  assert.is(good.code, 0, good.err);
  assert.match(good.out, /signature verified with ed25519:[0-9a-f]{16}/);
  // Checking the hash alone is allowed, and says what it proves.
  const hashOnly = await cli('verify', injectedUnsigned, '--hash-only');
  assert.is(hashOnly.code, 0, hashOnly.err);
  assert.match(hashOnly.out, /hash matches.*detects damage, not tampering/s);
  const json = await cli('verify', signed, '--json');
  assert.is(json.code, 1);
  assert.equal(JSON.parse(json.out).trust, { signature: 'unverified', claimedKey: JSON.parse(json.out).trust.claimedKey });
  assert.is(JSON.parse(json.out).signed, false);
});

/** Starts `zhiyu serve`; resolves 'started' at its first line on standard output (then stops it), or with its exit. */
function startServe(args: string[]): Promise<{ started: boolean; code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  let started = false;
  return new Promise((resolve) => {
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      if (!started && out.includes('\n')) { started = true; child.kill('SIGTERM'); }
    });
    child.on('close', (code) => resolve({ started, code: started ? null : code, out, err }));
  });
}

test('#15.6 production serve refuses a bundle no trusted key verified, unless --insecure-unsigned says so out loud', async () => {
  for (const path of [injectedUnsigned, unsigned, signed]) {
    const r = await startServe(['--bundle', path]);
    assert.equal([r.started, r.code], [false, 2], `${path}: ${r.out}${r.err}`);
    assert.match(r.err, /ZY8003: .*--public-key.*--insecure-unsigned/s);
  }
  const forged = await startServe(['--bundle', injectedSigned, '--public-key', pub]);
  assert.equal([forged.started, forged.code], [false, 1], forged.err);
  assert.match(forged.err, /ZY8003/);
  const ok = await startServe(['--bundle', signed, '--public-key', pub]);
  assert.ok(ok.started, ok.err);
  assert.match(ok.out, /signature verified/);
  const insecure = await startServe(['--bundle', unsigned, '--insecure-unsigned']);
  assert.ok(insecure.started, insecure.err);
  assert.match(insecure.err, /WARNING.*NOT signed/s);
});

test('#15.6 /v1/reload runs only verified bundles; /v1/bundle never says signed for a signature it did not check', async () => {
  const TOKEN = 'trust-token-123';
  const keyed = await serve({ bundle: parseBundle(signedText, { publicKey: ours.pub }), port: 0, token: TOKEN, verify: { publicKey: ours.pub } });
  const open = await serve({ bundle: parseBundle(signedText), port: 0, token: TOKEN, insecureUnsigned: true });
  const closed = await serve({ bundle: parseBundle(signedText, { publicKey: ours.pub }), port: 0, token: TOKEN });
  try {
    const reload = (url: string, body: string) => fetch(`${url}/v1/reload`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => ({ status: r.status, json: await r.json() }));
    for (const body of [inject(unsignedText), inject(signedText), unsignedText, writeBundle(compiled, files, theirs.priv)]) {
      const r = await reload(keyed.url, body);
      assert.equal([r.status, r.json.error.code], [422, 'ZY8003'], JSON.stringify(r.json));
      const c = await reload(closed.url, body);
      assert.equal([c.status, c.json.error.code], [422, 'ZY8003'], 'without a key and without --insecure-unsigned nothing reloads');
    }
    assert.equal((await reload(keyed.url, signedText)).status, 200);
    assert.ok(!(globalThis as Record<string, unknown>)['__zhiyuInjected']);
    const info = async (url: string) => (await fetch(`${url}/v1/bundle`)).json();
    assert.equal([(await info(keyed.url)).signed, (await info(keyed.url)).trust.signature], [true, 'verified']);
    assert.match((await info(keyed.url)).trust.key, /^ed25519:[0-9a-f]{16}$/);
    // Loaded without a key: the signature is there but nobody checked it.
    assert.equal([(await info(open.url)).signed, (await info(open.url)).trust.signature], [false, 'unverified']);
    assert.equal((await reload(open.url, unsignedText)).status, 200);
    assert.equal([(await info(open.url)).signed, (await info(open.url)).trust.signature], [false, 'unsigned']);
  } finally { await keyed.close(); await open.close(); await closed.close(); }
});

test('#15.6 eval and backtest --baseline say when they run a bundle nobody verified, and verify it when given a key', async () => {
  const event = JSON.stringify({ type: 'login', customer_id: 'c1', occurred_at: '2026-03-01T10:00' });
  const plain = await cli('eval', unsigned, '--event', event);
  assert.is(plain.code, 0, plain.err);
  assert.match(plain.err, /warning: .*unsigned\.zyb is NOT signed.*--public-key/s);
  const checked = await cli('eval', signed, '--event', event, '--public-key', pub);
  assert.is(checked.code, 0, checked.err);
  assert.not.match(checked.err, /warning/);
  const forged = await cli('eval', injectedSigned, '--event', event, '--public-key', pub);
  assert.is(forged.code, 1);
  assert.match(forged.err, /ZY8003/);
  assert.ok(!(globalThis as Record<string, unknown>)['__zhiyuInjected'], 'the forged bundle did not run');
  const db = join(dir, 'bt.db');
  assert.is((await cli('db', 'seed', '--demo', db, '--customers', '50')).code, 0);
  const bt = await cli('backtest', demo, '--db', db, '--baseline', injectedSigned, '--public-key', pub, '--json');
  assert.is(bt.code, 1, bt.err);
  assert.match(bt.err, /ZY8003/);
  const warned = await cli('backtest', demo, '--db', db, '--baseline', unsigned, '--json');
  assert.is(warned.code, 0, warned.err);
  assert.match(warned.err, /warning: .*NOT signed/);
});

test('#15.6 a bundle signed before key ids existed still verifies (the format stays zhiyu-bundle/1)', () => {
  const file = JSON.parse(signedText);
  assert.is(file.format, 'zhiyu-bundle/1');
  delete file.keyId;
  const b = parseBundle(JSON.stringify(file), { publicKey: ours.pub });
  assert.equal(b.trust, { signature: 'verified', key: b.trust.key });
  assert.throws(() => parseBundle(JSON.stringify(file), { publicKey: theirs.pub }), (e: Error) => e instanceof BundleError && e.code === 'ZY8003');
});

test.run();
