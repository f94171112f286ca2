// Whether a bundle may run. A bundle carries JavaScript that a service runs
// with all the power of its process, so the question is who made it. The
// bundle's sha256 only detects accidental damage: anyone who can edit the body
// can recompute it. Only an ed25519 signature checked against a key the
// operator trusts says who made the bundle; everything else is "unverified".
//
// One small model, so that what a service reports can never overstate it:
//   unsigned    no signature at all;
//   unverified  a signature nobody checked (no trusted key was given);
//   verified    the signature checks against one of the trusted keys (`key`).
// A policy lists the trusted keys and says whether unverified bundles may run
// (only with an explicit --insecure-unsigned).
//
// A bundle may carry several signatures over the same content hash: its
// author's and its approvers' (zhiyu approve). A keyring (keyring.ts) names
// trusted keys and gives them roles; approvals() then says whether enough
// distinct keys signed, one of them an approver's (serve --require-approvals).
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type TrustCode =
  /** The bundle is unsigned, its signature does not check, or no trusted key was given. */
  | 'ZY8003'
  /** A key file that is not an ed25519 key of the expected kind. */
  | 'ZY8006'
  /** Too few distinct trusted keys signed, or none of them is an approver's. */
  | 'ZY8007'
  /** A keyring file that cannot be read or is malformed. */
  | 'ZY8009';

export class TrustError extends Error {
  constructor(readonly code: TrustCode, message: string) {
    super(message);
    this.name = 'TrustError';
  }
}

export type SignatureState = 'unsigned' | 'unverified' | 'verified';

export type Role = 'author' | 'approver';
export const ROLES: readonly Role[] = ['author', 'approver'];

/** A trusted key with a name and roles (from a keyring). */
export interface KeyringEntry {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly key: KeyObject;
  /** keyFingerprint(key) */
  readonly fingerprint: string;
}

export interface Keyring {
  readonly entries: readonly KeyringEntry[];
}

/** A trusted key whose signature on the bundle checked. */
export interface Signer {
  readonly key: string;
  /** Its name and roles in the keyring (absent: a key given with --public-key). */
  readonly name?: string;
  readonly roles: readonly Role[];
}

/** One signature the bundle carries: who it says made it, and the trusted key that verified it (none: unknown or forged). */
export interface SignatureCheck {
  readonly claimedKey?: string;
  readonly signer?: Signer;
}

export interface Trust {
  readonly signature: SignatureState;
  /** The fingerprint of the (first) trusted key that verified a signature. */
  readonly key?: string;
  /** The key the bundle says signed it (not itself signed: a hint, never a proof). */
  readonly claimedKey?: string;
  /**
   * Every signature and what checked it; present when a keyring names the
   * keys or the bundle carries approvals (several signatures).
   */
  readonly signatures?: readonly SignatureCheck[];
}

export interface TrustPolicy {
  /** Public keys whose signatures are accepted. */
  readonly keys: readonly KeyObject[];
  /** Let unsigned and unverified bundles load (development only: `--insecure-unsigned`). */
  readonly allowUnverified: boolean;
  /** Names and roles for trusted keys; its keys are trusted as well. */
  readonly keyring?: Keyring;
}

/** One signature in a bundle file: over the content hash, with the fingerprint the signer claims. */
export interface SignatureEntry {
  readonly signature: string;
  readonly keyId?: string;
}

/** Loads anything, verifies nothing: what a library caller gets unless it says otherwise. */
export const TRUST_NOTHING_ALLOW_ALL: TrustPolicy = Object.freeze({ keys: [], allowUnverified: true });

/** `ed25519:` and the first 16 hex digits of the sha256 of the public key (SPKI DER). */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `ed25519:${createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)}`;
}

/** An ed25519 key of the given kind from PEM text; `source` names it in errors (a file name). */
function keyOf(pem: string, kind: 'public' | 'private', source: string): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
  } catch {
    throw new TrustError('ZY8006', `${source} is not a PEM ${kind} key (make a key pair with zhiyu keygen)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TrustError('ZY8006', `${source} is a ${key.asymmetricKeyType} key, not an ed25519 ${kind} key (make one with zhiyu keygen)`);
  return key;
}

/** A trusted public key (PEM text, or a key object already made). */
export function publicKeyOf(pem: string | KeyObject, source = 'the public key'): KeyObject {
  if (typeof pem !== 'string') {
    if (pem.type !== 'public' || pem.asymmetricKeyType !== 'ed25519') throw new TrustError('ZY8006', `${source} is not an ed25519 public key`);
    return pem;
  }
  return keyOf(pem, 'public', source);
}

export function privateKeyOf(pem: string, source = 'the private key'): KeyObject {
  return keyOf(pem, 'private', source);
}

/** The signature over a bundle's content hash, and the fingerprint of the key that made it. */
export function signHash(hash: string, key: KeyObject): { signature: string; keyId: string } {
  return { signature: sign(null, Buffer.from(hash, 'utf8'), key).toString('base64'), keyId: keyFingerprint(key) };
}

/** Every key the policy trusts, with its keyring name and roles where it has them. */
function trustedKeys(policy: TrustPolicy): { key: KeyObject; signer: Signer }[] {
  const out = new Map<string, { key: KeyObject; signer: Signer }>();
  for (const e of policy.keyring?.entries ?? []) out.set(e.fingerprint, { key: e.key, signer: { key: e.fingerprint, name: e.name, roles: e.roles } });
  for (const key of policy.keys) {
    const fp = keyFingerprint(key);
    if (!out.has(fp)) out.set(fp, { key, signer: { key: fp, roles: [] } });
  }
  return [...out.values()];
}

/** Whether `signature` (base64) is `key`'s signature over the content hash. */
export function signatureVerifies(hash: string, signature: string, key: KeyObject): boolean {
  try { return verify(null, Buffer.from(hash, 'utf8'), key, Buffer.from(signature, 'base64')); } catch { return false; }
}

/**
 * What can be said about a bundle's origin under `policy`; throws ZY8003 when
 * the policy does not let it run (no signature verifies). The hash must
 * already have been checked. Signatures no trusted key verifies beside one
 * that does (an approver not in the keyring, say) are listed, never counted.
 */
export function assess(hash: string, signatures: readonly SignatureEntry[], policy: TrustPolicy): Trust {
  const claimedKey = signatures[0]?.keyId;
  const claim = claimedKey !== undefined ? { claimedKey } : {};
  if (signatures.length === 0) {
    if (!policy.allowUnverified) throw new TrustError('ZY8003', 'the bundle is not signed, and this service runs only bundles signed by a trusted key');
    return { signature: 'unsigned', ...claim };
  }
  const trusted = trustedKeys(policy);
  const listed = policy.keyring !== undefined || signatures.length > 1;
  const claims = (): SignatureCheck[] => signatures.map((s) => (s.keyId !== undefined ? { claimedKey: s.keyId } : {}));
  if (trusted.length === 0) {
    if (!policy.allowUnverified) throw new TrustError('ZY8003', 'no trusted public key was given, so the signature cannot be checked');
    return { signature: 'unverified', ...claim, ...(listed ? { signatures: claims() } : {}) };
  }
  const checks: SignatureCheck[] = signatures.map((s) => {
    // The key the signature names first, then every other: a key id is a hint, never a proof.
    const order = [...trusted].sort((a, b) => Number(b.signer.key === s.keyId) - Number(a.signer.key === s.keyId));
    const hit = order.find((t) => signatureVerifies(hash, s.signature, t.key));
    return { ...(s.keyId !== undefined ? { claimedKey: s.keyId } : {}), ...(hit ? { signer: hit.signer } : {}) };
  });
  const first = checks.find((c) => c.signer)?.signer;
  if (!first) {
    throw new TrustError('ZY8003', `the bundle signature${signatures.length > 1 ? 's do' : ' does'} not match ${trusted.length === 1 ? 'the trusted public key' : 'any trusted public key'}`);
  }
  return { signature: 'verified', key: first.key, ...claim, ...(listed ? { signatures: checks } : {}) };
}

/** The distinct trusted keys whose signatures checked, in the order they signed. */
export function signersOf(t: Trust): Signer[] {
  if (t.signature !== 'verified') return [];
  if (!t.signatures) return [{ key: t.key!, roles: [] }];
  const seen = new Map<string, Signer>();
  for (const c of t.signatures) if (c.signer && !seen.has(c.signer.key)) seen.set(c.signer.key, c.signer);
  return [...seen.values()];
}

export interface ApprovalCheck {
  readonly ok: boolean;
  readonly required: number;
  readonly signers: readonly Signer[];
  /** Why not, for people (absent when ok). */
  readonly reason?: string;
}

/** A signer for people: its name and roles when the keyring gives them, else its key. */
export function signerName(s: Signer): string {
  return s.name ? `${s.name} (${s.roles.join(', ') || 'no role'}, ${s.key})` : s.key;
}

/**
 * Two-person approval: at least `required` distinct trusted keys signed the
 * bundle, and one of them is an approver's (a role only a keyring gives).
 * A key counts once however often it signed.
 */
export function approvals(t: Trust, required: number): ApprovalCheck {
  const signers = signersOf(t);
  const approver = signers.some((s) => s.roles.includes('approver'));
  const n = signers.length;
  const who = n ? `: ${signers.map(signerName).join('; ')}` : '';
  if (n < required) {
    return { ok: false, required, signers, reason: `the bundle has ${n} valid signature${n === 1 ? '' : 's'} from trusted keys${who}; this service requires ${required} from distinct keys, one of them an approver's (zhiyu approve)` };
  }
  if (!approver) {
    return { ok: false, required, signers, reason: `none of the ${n} keys that signed is an approver in the keyring${who}` };
  }
  return { ok: true, required, signers };
}

/** One line for people: what the trust state means. */
export function describeTrust(t: Trust): string {
  switch (t.signature) {
    case 'verified': {
      const signers = signersOf(t);
      const named = t.signatures ? `; signed by ${signers.map(signerName).join(', ')}` : '';
      const unknown = t.signatures ? t.signatures.filter((c) => !c.signer).length : 0;
      return `signature verified with ${t.key}${named}${unknown ? `; ${unknown} more signature${unknown === 1 ? '' : 's'} by keys not trusted here` : ''}`;
    }
    case 'unverified': return `signed${t.claimedKey ? ` (says by ${t.claimedKey})` : ''}, but NOT verified: no trusted public key was given`;
    case 'unsigned': return 'NOT signed: nothing says who made it';
  }
}
