// Bundles: one artifact a production service loads. The body (manifest and
// compiled program) is kept as the exact JSON text that was hashed and
// signed, so verification checks bytes, not a re-serialization. A bundle's
// code runs with the power of the process that loads it: runtime/trust.ts
// says what its hash and signature do and do not prove.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { COMPILER_VERSION, type CompileResult, type SourceFile } from '../compiler/index.ts';
import { packFromJson, packToJson, type PackJson } from '../compiler/serialize.ts';
import type { GeneratedCode } from '../compiler/codegen.ts';
import type { Program } from './engine.ts';
import { packHash } from './pack-hash.ts';
import { BundleError } from './bundle-error.ts';
import { assess, keyFingerprint, signatureVerifies, privateKeyOf, publicKeyOf, signHash, TRUST_NOTHING_ALLOW_ALL, TrustError, type SignatureEntry, type Trust, type TrustPolicy } from './trust.ts';

export const BUNDLE_FORMAT = 'zhiyu-bundle/1';
/**
 * Bumped whenever generated code expects a different runtime: other helpers, or
 * another contract with the engine (5: decide() hands an explained decision to
 * the engine's finish function). spec/bundle-compat.test.ts keeps a bundle of
 * this API and one of the API before: a change of contract without a bump fails it.
 */
export const RUNTIME_API = 5;

export { BundleError, type BundleCode } from './bundle-error.ts';

export interface Manifest {
  readonly pack: string;
  /** The pack's version: a service activates only a newer one of the same pack (runtime/rollout.ts). */
  readonly version?: string;
  /** When the bundle takes effect (epoch ms): a service given it earlier keeps serving the one before until then. */
  readonly effectiveFrom?: number;
  /** Content hash of the pack's source files (the decision log names decisions by it). */
  readonly sourceHash: string;
  readonly compilerVersion: string;
  readonly runtimeApi: number;
  readonly createdAt: string;
  readonly outcomes: readonly string[];
  /** What the pack reads: event fields, entity fields, aggregates, lists. */
  readonly reads: {
    readonly event: readonly string[];
    readonly entities: Readonly<Record<string, readonly string[]>>;
    readonly aggregates: readonly string[];
    readonly lists: readonly string[];
  };
  readonly rules: readonly {
    readonly id: string; readonly title?: string; readonly outcome?: string; readonly score: number;
    readonly reason?: string; readonly severity?: string; readonly tags: readonly string[]; readonly owner?: string; readonly enabled: boolean;
  }[];
}

export interface Bundle {
  readonly manifest: Manifest;
  readonly program: Program;
  /** sha256 of the body: the bundle's identity (it detects damage, not tampering). */
  readonly hash: string;
  /** Who made it, as far as a trusted key could check. */
  readonly trust: Trust;
  /** True only when the signature was verified against a trusted key. */
  readonly signed: boolean;
  /** The bundle file's text as read: what the bundle history keeps, signatures and all. */
  readonly text: string;
}

interface BundleFile {
  format: string;
  body: string;
  sha256: string;
  signature?: string;
  /** The fingerprint of the signing key (added in zhiyu 0.1; older readers ignore it). */
  keyId?: string;
  /** More signatures over the same hash, added by `zhiyu approve` (older readers ignore them). */
  approvals?: SignatureEntry[];
}

export interface WriteOptions {
  /** When the bundle takes effect (epoch ms); absent: as soon as it is activated. */
  readonly effectiveFrom?: number;
}

function manifestOf(r: Required<Pick<CompileResult, 'checked' | 'optimized'>>, files: readonly SourceFile[], o: WriteOptions): Manifest {
  const p = r.checked;
  const entities: Record<string, string[]> = {};
  const walk = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    const node = x as { k?: string; entity?: string; field?: string };
    if (node.k === 'field' && node.entity && node.entity !== 'event') (entities[node.entity] ??= []).includes(node.field!) || entities[node.entity]!.push(node.field!);
    for (const v of Object.values(x)) if (v && typeof v === 'object') walk(v);
  };
  p.rules.forEach((rule) => walk(rule.condition));
  p.predicates.forEach((d) => walk(d.body));
  const lists = new Set<string>();
  JSON.stringify(packToJson(p), (k, v) => { if (k === 'list' && typeof v === 'string') lists.add(v); return v; });
  return {
    pack: p.name, ...(p.version ? { version: p.version } : {}), ...(o.effectiveFrom !== undefined ? { effectiveFrom: o.effectiveFrom } : {}),
    sourceHash: packHash(files), compilerVersion: COMPILER_VERSION,
    runtimeApi: RUNTIME_API, createdAt: new Date().toISOString(), outcomes: p.outcomes,
    reads: { event: p.eventFields, entities, aggregates: p.aggregates.map((a) => a.text), lists: [...lists].sort() },
    rules: p.rules.map((x) => ({
      id: x.id, ...(x.title !== undefined ? { title: x.title } : {}), ...(x.outcome ? { outcome: x.outcome } : {}), score: x.score,
      ...(x.reason ? { reason: x.reason } : {}), ...(x.severity ? { severity: x.severity } : {}), tags: x.tags,
      ...(x.owner ? { owner: x.owner } : {}), enabled: x.enabled,
    })),
  };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The bundle file's text for a successfully compiled pack; signed when a private key is given. */
export function writeBundle(r: CompileResult, files: readonly SourceFile[], privateKey?: string | KeyObject, opts: WriteOptions = {}): string {
  if (!r.ok || !r.checked || !r.optimized || !r.code) throw new BundleError('ZY8004', 'only a pack without errors can be bundled');
  if (opts.effectiveFrom !== undefined && !Number.isFinite(opts.effectiveFrom)) throw new BundleError('ZY8004', 'effectiveFrom should be a time (epoch milliseconds)');
  const key = privateKey === undefined ? undefined : typeof privateKey === 'string' ? asBundleError(() => privateKeyOf(privateKey)) : privateKey;
  const body = JSON.stringify({ manifest: manifestOf({ checked: r.checked, optimized: r.optimized }, files, opts), program: { pack: packToJson(r.optimized), code: r.code } });
  const hash = sha256(body);
  const file: BundleFile = { format: BUNDLE_FORMAT, body, sha256: hash, ...(key ? signHash(hash, key) : {}) };
  return `${JSON.stringify(file)}\n`;
}

export interface LoadOptions {
  /** PEM of the ed25519 public key; when given, the bundle must carry a valid signature by it. */
  readonly publicKey?: string | KeyObject;
  /** The full policy (trusted keys, whether unverified bundles may load); overrides `publicKey`. */
  readonly trust?: TrustPolicy;
}

function policyOf(opts: LoadOptions): TrustPolicy {
  if (opts.trust) return opts.trust;
  if (opts.publicKey !== undefined) return { keys: [asBundleError(() => publicKeyOf(opts.publicKey!))], allowUnverified: false };
  return TRUST_NOTHING_ALLOW_ALL;
}

function asBundleError<T>(f: () => T): T {
  try { return f(); } catch (e) {
    if (e instanceof TrustError) throw new BundleError(e.code, e.message);
    throw e;
  }
}

const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A bundle from its bytes: never a file name, so text from a request can name
 * no file on the server. Refuses anything truncated, tampered, made by an
 * incompatible zhiyu, or not trusted under the options' policy. Error messages
 * never quote the text.
 */
export function parseBundle(text: string, opts: LoadOptions = {}): Bundle {
  let file: BundleFile;
  try {
    file = JSON.parse(text) as BundleFile;
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new BundleError('ZY8001', `the bundle is truncated or not a bundle: it is not valid JSON${at ? ` (at byte ${at} of ${text.length})` : ''}`);
  }
  if (!object(file) || typeof file.body !== 'string' || typeof file.sha256 !== 'string') {
    throw new BundleError('ZY8001', 'the bundle is not a zhiyu bundle (body or sha256 missing)');
  }
  if (file.format !== BUNDLE_FORMAT) throw new BundleError('ZY8005', `bundle format ${JSON.stringify(String(file.format).slice(0, 40))} is not ${BUNDLE_FORMAT}; recompile the pack with this zhiyu`);
  const hash = sha256(file.body);
  if (hash !== file.sha256) throw new BundleError('ZY8002', `the bundle was altered: its content hash is ${hash.slice(0, 16)}…, the bundle says ${String(file.sha256).slice(0, 16)}…`);
  const trust = asBundleError(() => assess(hash, signaturesOf(file), policyOf(opts)));
  const body = readBody(file.body);
  if (body.manifest.effectiveFrom !== undefined && !Number.isFinite(body.manifest.effectiveFrom)) throw new BundleError('ZY8001', 'the bundle\'s effectiveFrom is not a time');
  if (body.manifest.runtimeApi !== RUNTIME_API) {
    throw new BundleError('ZY8005', `the bundle needs runtime API ${String(body.manifest.runtimeApi)}; this zhiyu has ${RUNTIME_API}; recompile the pack`);
  }
  let pack;
  try { pack = packFromJson(body.program.pack); } catch {
    throw new BundleError('ZY8001', 'the bundle\'s compiled pack is malformed');
  }
  // Compiled, never run: a body whose code is not JavaScript is refused here, not at the first decision.
  try { void new Function('K', 'R', body.program.code.source); } catch {
    throw new BundleError('ZY8004', 'the bundle\'s code is not valid JavaScript');
  }
  return { manifest: body.manifest, program: { pack, code: body.program.code }, hash: `sha256:${hash}`, trust, signed: trust.signature === 'verified', text };
}

/** The signatures a bundle file carries: its own, then its approvals; anything malformed is ZY8001. */
function signaturesOf(file: BundleFile): SignatureEntry[] {
  const entry = (sig: unknown, keyId: unknown, what: string): SignatureEntry => {
    if (typeof sig !== 'string') throw new BundleError('ZY8001', `the bundle's ${what} is not a string`);
    return { signature: sig, ...(typeof keyId === 'string' ? { keyId } : {}) };
  };
  const out = file.signature !== undefined ? [entry(file.signature, file.keyId, 'signature')] : [];
  if (file.approvals !== undefined) {
    if (!Array.isArray(file.approvals)) throw new BundleError('ZY8001', 'the bundle\'s approvals are not a list');
    file.approvals.forEach((a, i) => out.push(entry(object(a) ? a['signature'] : undefined, object(a) ? a['keyId'] : undefined, `approval ${i + 1}`)));
  }
  return out;
}

/**
 * The bundle file's text with one more signature over its content hash (an
 * approval). The hash is checked first; a key that already signed is refused.
 * The body, and so the bundle's hash, stay exactly as they were.
 */
export function addApproval(text: string, privateKey: string | KeyObject): string {
  const key = typeof privateKey === 'string' ? asBundleError(() => privateKeyOf(privateKey)) : privateKey;
  parseBundle(text);
  const file = JSON.parse(text) as BundleFile;
  const fp = keyFingerprint(key);
  const sig = signHash(file.sha256, key);
  // The signatures already there, checked against this key: a claimed key id proves nothing.
  const pub = createPublicKey(key);
  const mine = signaturesOf(file).some((s) => signatureVerifies(file.sha256, s.signature, pub));
  if (mine) throw new BundleError('ZY8007', `the key ${fp} has already signed this bundle: an approval must come from another key`);
  const out: BundleFile = file.signature === undefined ? { ...file, ...sig } : { ...file, approvals: [...(file.approvals ?? []), sig] };
  return `${JSON.stringify(out)}\n`;
}

/** The hashed body, checked for the shape the runtime reads before anything uses it. */
function readBody(text: string): { manifest: Manifest; program: { pack: PackJson; code: GeneratedCode } } {
  let body: unknown;
  try { body = JSON.parse(text); } catch {
    throw new BundleError('ZY8001', 'the bundle\'s body is not valid JSON');
  }
  const m = object(body) ? body['manifest'] : undefined;
  const p = object(body) ? body['program'] : undefined;
  const code = object(p) ? p['code'] : undefined;
  const ok = object(m) && typeof m['pack'] === 'string' && typeof m['sourceHash'] === 'string' && Array.isArray(m['rules']) && Array.isArray(m['outcomes'])
    && object(p) && object(p['pack']) && object(code) && typeof code['source'] === 'string' && Array.isArray(code['constants']);
  if (!ok) throw new BundleError('ZY8001', 'the bundle\'s body is malformed: it lacks the manifest or the compiled program');
  return body as never;
}

/** A bundle file from disk. */
export function readBundle(path: string, opts: LoadOptions = {}): Bundle {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BundleError('ZY8001', `cannot read bundle ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? (e as Error).message}`);
  }
  return parseBundle(text, opts);
}

/**
 * A bundle from a file path or from its text (text starts with `{`), for the
 * command line and embedders. Never give it text that came from a request:
 * use parseBundle(), which takes bytes only.
 */
export function loadBundle(fileOrText: string, opts: LoadOptions = {}): Bundle {
  return fileOrText.trimStart().startsWith('{') ? parseBundle(fileOrText, opts) : readBundle(fileOrText, opts);
}
