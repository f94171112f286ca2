// Bundles: one artifact a production service loads. The body (manifest and
// compiled program) is kept as the exact JSON text that was hashed and
// signed, so verification checks bytes, not a re-serialization.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { COMPILER_VERSION, type CompileResult, type SourceFile } from '../compiler/index.ts';
import { packFromJson, packToJson, type PackJson } from '../compiler/serialize.ts';
import type { GeneratedCode } from '../compiler/codegen.ts';
import type { Program } from './engine.ts';
import { packHash } from './pack-hash.ts';

export const BUNDLE_FORMAT = 'zhiyu-bundle/1';
/** Bumped whenever generated code expects different runtime helpers. */
export const RUNTIME_API = 1;

export type BundleCode = 'ZY8001' | 'ZY8002' | 'ZY8003' | 'ZY8004' | 'ZY8005';
export class BundleError extends Error {
  constructor(readonly code: BundleCode, message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

export interface Manifest {
  readonly pack: string;
  readonly version?: string;
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
  /** sha256 of the body: the bundle's identity. */
  readonly hash: string;
  readonly signed: boolean;
}

interface BundleFile {
  format: string;
  body: string;
  sha256: string;
  signature?: string;
}

function manifestOf(r: Required<Pick<CompileResult, 'checked' | 'optimized'>>, files: readonly SourceFile[]): Manifest {
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
    pack: p.name, ...(p.version ? { version: p.version } : {}), sourceHash: packHash(files), compilerVersion: COMPILER_VERSION,
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
export function writeBundle(r: CompileResult, files: readonly SourceFile[], privateKeyPem?: string): string {
  if (!r.ok || !r.checked || !r.optimized || !r.code) throw new BundleError('ZY8004', 'only a pack without errors can be bundled');
  const body = JSON.stringify({ manifest: manifestOf({ checked: r.checked, optimized: r.optimized }, files), program: { pack: packToJson(r.optimized), code: r.code } });
  const hash = sha256(body);
  const file: BundleFile = { format: BUNDLE_FORMAT, body, sha256: hash };
  if (privateKeyPem) file.signature = sign(null, Buffer.from(hash, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64');
  return `${JSON.stringify(file)}\n`;
}

export interface LoadOptions {
  /** PEM of the ed25519 public key; when given, the bundle must carry a valid signature. */
  readonly publicKey?: string | KeyObject;
}

/** Reads and verifies a bundle (file path or its text). Refuses anything truncated, tampered or unsigned when a key is required. */
export function loadBundle(fileOrText: string, opts: LoadOptions = {}): Bundle {
  const text = fileOrText.trimStart().startsWith('{') ? fileOrText : readBundleFile(fileOrText);
  let file: BundleFile;
  try {
    file = JSON.parse(text) as BundleFile;
  } catch (e) {
    throw new BundleError('ZY8001', `the bundle is truncated or not a bundle: ${(e as Error).message}`);
  }
  if (!file || typeof file !== 'object' || typeof file.body !== 'string' || typeof file.sha256 !== 'string') {
    throw new BundleError('ZY8001', 'the bundle is not a zhiyu bundle (body or sha256 missing)');
  }
  if (file.format !== BUNDLE_FORMAT) throw new BundleError('ZY8005', `bundle format ${JSON.stringify(file.format)} is not ${BUNDLE_FORMAT}; recompile the pack with this zhiyu`);
  const hash = sha256(file.body);
  if (hash !== file.sha256) throw new BundleError('ZY8002', `the bundle was altered: its content hash is ${hash.slice(0, 16)}…, the bundle says ${String(file.sha256).slice(0, 16)}…`);
  if (opts.publicKey) {
    if (!file.signature) throw new BundleError('ZY8003', 'the bundle is not signed, and a signature is required');
    const key = typeof opts.publicKey === 'string' ? createPublicKey(opts.publicKey) : opts.publicKey;
    let ok = false;
    try { ok = verify(null, Buffer.from(hash, 'utf8'), key, Buffer.from(file.signature, 'base64')); } catch { ok = false; }
    if (!ok) throw new BundleError('ZY8003', 'the bundle signature does not match the public key');
  }
  const body = JSON.parse(file.body) as { manifest: Manifest; program: { pack: PackJson; code: GeneratedCode } };
  if (body.manifest.runtimeApi !== RUNTIME_API) {
    throw new BundleError('ZY8005', `the bundle needs runtime API ${body.manifest.runtimeApi}; this zhiyu has ${RUNTIME_API}; recompile the pack`);
  }
  return { manifest: body.manifest, program: { pack: packFromJson(body.program.pack), code: body.program.code }, hash: `sha256:${hash}`, signed: !!file.signature };
}

function readBundleFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new BundleError('ZY8001', `cannot read bundle ${path}: ${(e as Error).message}`);
  }
}
