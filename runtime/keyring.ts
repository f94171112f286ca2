// A keyring: the public keys a service trusts, each with a person's name and
// roles (author, approver). It is a JSON file the operator keeps beside the
// service, made with `zhiyu keyring add`:
//
//   { "format": "zhiyu-keyring/1",
//     "keys": [ { "name": "alice", "roles": ["author"], "publicKey": "-----BEGIN PUBLIC KEY-----\n…" },
//               { "name": "bob", "roles": ["approver"], "publicKey": "…" } ] }
//
// The PEM text is inside the file, so the keyring is one artifact to review
// and to deploy. Names and keys are unique; every key has at least one role.
import { readFileSync } from 'node:fs';
import { keyFingerprint, publicKeyOf, ROLES, TrustError, type Keyring, type KeyringEntry, type Role } from './trust.ts';

export const KEYRING_FORMAT = 'zhiyu-keyring/1';
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u;

interface KeyringFile { format: string; keys: { name: string; roles: string[]; publicKey: string; fingerprint?: string }[] }

const bad = (source: string, what: string) => new TrustError('ZY8009', `${source}: ${what}`);

/** A keyring from its text; `source` names it in errors. */
export function parseKeyring(text: string, source = 'the keyring'): Keyring {
  let file: KeyringFile;
  try { file = JSON.parse(text) as KeyringFile; } catch {
    throw bad(source, 'is not a keyring: it is not valid JSON (make one with zhiyu keyring add)');
  }
  if (typeof file !== 'object' || file === null || file.format !== KEYRING_FORMAT || !Array.isArray(file.keys)) {
    throw bad(source, `is not a ${KEYRING_FORMAT} keyring (make one with zhiyu keyring add)`);
  }
  const entries: KeyringEntry[] = [];
  file.keys.forEach((k, i) => {
    const at = `key ${i + 1}`;
    if (typeof k !== 'object' || k === null) throw bad(source, `${at} is not an object`);
    if (typeof k.name !== 'string' || !NAME.test(k.name)) throw bad(source, `${at} needs a name (letters, digits, space . _ @ -; at most 64)`);
    if (!Array.isArray(k.roles) || k.roles.length === 0 || !k.roles.every((r) => (ROLES as readonly string[]).includes(r))) {
      throw bad(source, `${k.name}: roles should be a non-empty list of ${ROLES.join(', ')}`);
    }
    if (typeof k.publicKey !== 'string') throw bad(source, `${k.name}: publicKey should hold the PEM text of an ed25519 public key`);
    let key;
    try { key = publicKeyOf(k.publicKey, `${source}: ${k.name}'s key`); } catch (e) {
      if (e instanceof TrustError) throw new TrustError('ZY8009', e.message);
      throw e;
    }
    const fingerprint = keyFingerprint(key);
    // The fingerprint is written for people reading the file; an edited key must not keep an old one.
    if (k.fingerprint !== undefined && k.fingerprint !== fingerprint) throw bad(source, `${k.name}: the fingerprint says ${String(k.fingerprint)} but the key is ${fingerprint}`);
    const twin = entries.find((e) => e.name === k.name || e.fingerprint === fingerprint);
    if (twin) throw bad(source, twin.name === k.name ? `the name ${k.name} is given twice` : `${k.name} and ${twin.name} are the same key (${fingerprint}): two people need two keys`);
    entries.push({ name: k.name, roles: [...new Set(k.roles as Role[])], key, fingerprint });
  });
  return { entries };
}

export function readKeyring(path: string): Keyring {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw bad(path, `cannot be read (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}); make one with zhiyu keyring add`);
  }
  return parseKeyring(text, path);
}

/** The keyring's file text. */
export function keyringText(k: Keyring): string {
  const keys = k.entries.map((e) => ({ name: e.name, roles: e.roles, fingerprint: e.fingerprint, publicKey: e.key.export({ type: 'spki', format: 'pem' }) as string }));
  return `${JSON.stringify({ format: KEYRING_FORMAT, keys }, null, 2)}\n`;
}

/** The keyring with one more key, or with a named key's roles and key replaced. */
export function withKey(k: Keyring, name: string, roles: readonly Role[], publicKeyPem: string, source = 'the public key'): Keyring {
  const key = publicKeyOf(publicKeyPem, source);
  const fingerprint = keyFingerprint(key);
  const entries = k.entries.filter((e) => e.name !== name);
  const twin = entries.find((e) => e.fingerprint === fingerprint);
  if (twin) throw new TrustError('ZY8009', `${source} is already in the keyring as ${twin.name}: two people need two keys`);
  if (!NAME.test(name)) throw new TrustError('ZY8009', `the name ${JSON.stringify(name)} should be letters, digits, space . _ @ - (at most 64)`);
  const at = k.entries.findIndex((e) => e.name === name);
  const entry: KeyringEntry = { name, roles: [...new Set(roles)], key, fingerprint };
  if (at >= 0) entries.splice(at, 0, entry); else entries.push(entry);
  return { entries };
}
