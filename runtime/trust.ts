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
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type TrustCode =
  /** The bundle is unsigned, its signature does not check, or no trusted key was given. */
  | 'ZY8003'
  /** A key file that is not an ed25519 key of the expected kind. */
  | 'ZY8006';

export class TrustError extends Error {
  constructor(readonly code: TrustCode, message: string) {
    super(message);
    this.name = 'TrustError';
  }
}

export type SignatureState = 'unsigned' | 'unverified' | 'verified';

export interface Trust {
  readonly signature: SignatureState;
  /** The fingerprint of the trusted key that verified the signature. */
  readonly key?: string;
  /** The key the bundle says signed it (not itself signed: a hint, never a proof). */
  readonly claimedKey?: string;
}

export interface TrustPolicy {
  /** Public keys whose signatures are accepted. */
  readonly keys: readonly KeyObject[];
  /** Let unsigned and unverified bundles load (development only: `--insecure-unsigned`). */
  readonly allowUnverified: boolean;
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

/**
 * What can be said about a bundle's origin under `policy`; throws ZY8003 when
 * the policy does not let it run. The hash must already have been checked.
 */
export function assess(hash: string, signature: string | undefined, claimedKey: string | undefined, policy: TrustPolicy): Trust {
  const claim = claimedKey !== undefined ? { claimedKey } : {};
  if (signature === undefined) {
    if (!policy.allowUnverified) throw new TrustError('ZY8003', 'the bundle is not signed, and this service runs only bundles signed by a trusted key');
    return { signature: 'unsigned', ...claim };
  }
  if (policy.keys.length === 0) {
    if (!policy.allowUnverified) throw new TrustError('ZY8003', 'no trusted public key was given, so the signature cannot be checked');
    return { signature: 'unverified', ...claim };
  }
  const bytes = Buffer.from(signature, 'base64');
  for (const key of policy.keys) {
    let ok = false;
    try { ok = verify(null, Buffer.from(hash, 'utf8'), key, bytes); } catch { ok = false; }
    if (ok) return { signature: 'verified', key: keyFingerprint(key), ...claim };
  }
  throw new TrustError('ZY8003', `the bundle signature does not match ${policy.keys.length === 1 ? 'the trusted public key' : 'any trusted public key'}`);
}

/** One line for people: what the trust state means. */
export function describeTrust(t: Trust): string {
  switch (t.signature) {
    case 'verified': return `signature verified with ${t.key}`;
    case 'unverified': return `signed${t.claimedKey ? ` (says by ${t.claimedKey})` : ''}, but NOT verified: no trusted public key was given`;
    case 'unsigned': return 'NOT signed: nothing says who made it';
  }
}
