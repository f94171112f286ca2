import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { BundleError, loadBundle, writeBundle } from '../runtime/bundle.ts';
import { Engine, interpret, MemoryProvider } from '../runtime/index.ts';
import { join } from 'node:path';

const files = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const r = compile(files);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const pub = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const scenario = { type: 'transfer_out', payee_id: 'mule-7', amount: 500000, occurred_at: '2026-03-01T10:00' };
const lists = new MemoryProvider({ lists: { police_fraud_accounts: ['mule-7'] } });
const fails = (code: string) => (e: Error) => e instanceof BundleError && e.code === code;

test('a bundle decides exactly like the pack it was compiled from', () => {
  const b = loadBundle(writeBundle(r, files));
  assert.is(b.manifest.pack, 'demo');
  assert.is(b.manifest.rules.length, r.checked!.rules.length);
  assert.ok(b.manifest.reads.lists.includes('police_fraud_accounts'));
  assert.ok(b.manifest.reads.entities['device']?.includes('in_call'));
  assert.match(b.hash, /^sha256:[0-9a-f]{64}$/);
  const fromBundle = new Engine(b.program).decide(scenario, lists);
  assert.equal(fromBundle, interpret(r.checked!, scenario, lists).decision);
  assert.is(fromBundle.outcome, 'block');
});

test('a tampered, truncated or foreign bundle is refused with a clear error', () => {
  const text = writeBundle(r, files);
  assert.throws(() => loadBundle(text.slice(0, text.length / 2)), fails('ZY8001'));
  assert.throws(() => loadBundle('{"hello": 1}'), fails('ZY8001'));
  const tampered = text.replace('POLICE_LIST_PAYEE', 'POLICE_LIST_PAYEF');
  assert.ok(tampered !== text);
  assert.throws(() => loadBundle(tampered), fails('ZY8002'));
  const file = JSON.parse(text);
  file.format = 'zhiyu-bundle/99';
  assert.throws(() => loadBundle(JSON.stringify(file)), fails('ZY8005'));
  assert.throws(() => loadBundle('/nonexistent/x.zyb'), fails('ZY8001'));
});

test('signatures: required when a public key is given, and checked', () => {
  const signed = writeBundle(r, files, priv);
  assert.ok(loadBundle(signed, { publicKey: pub }).signed);
  assert.throws(() => loadBundle(writeBundle(r, files), { publicKey: pub }), fails('ZY8003'));
  const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.throws(() => loadBundle(signed, { publicKey: other }), fails('ZY8003'));
  const file = JSON.parse(signed);
  file.signature = Buffer.from('x'.repeat(64)).toString('base64');
  assert.throws(() => loadBundle(JSON.stringify(file), { publicKey: pub }), fails('ZY8003'));
});

test('engine.swap replaces the pack at once; a bundle that fails to load leaves the old one', () => {
  const engine = new Engine(loadBundle(writeBundle(r, files)).program);
  const v2 = compile(files.map((f) => ({ ...f, text: f.text.replace('then block\n  reason POLICE_LIST', 'then review\n  reason POLICE_LIST') })));
  assert.ok(v2.ok);
  assert.is(engine.decide(scenario, lists).outcome, 'block');
  engine.swap(loadBundle(writeBundle(v2, files)).program);
  assert.is(engine.decide(scenario, lists).outcome, 'review');
  assert.throws(() => engine.swap({ pack: v2.optimized!, code: { source: 'this is not javascript', constants: [] } }));
  assert.is(engine.decide(scenario, lists).outcome, 'review');
});

test.run();
