// The error of loading a bundle or its code, with no Node-only imports: the
// engine (which the browser editor bundles too) throws it as well.

/**
 * ZY8001 not a bundle (truncated, malformed, unreadable), ZY8002 altered (hash
 * mismatch), ZY8003 not trusted (unsigned, bad signature, no trusted key),
 * ZY8004 cannot be built or loaded, ZY8005 made by an incompatible zhiyu,
 * ZY8006 a key file that is not an ed25519 key.
 * Activating a bundle in a service (runtime/rollout.ts): ZY8007 too few
 * approvals, ZY8008 an older version or another pack without
 * --allow-rollback, ZY8009 a keyring that cannot be read, ZY8010 a bundle not
 * yet in effect with nothing to serve before it, ZY8011 nothing to promote or
 * roll back to, ZY8012 the audit trail was altered, ZY8013 a bundle not in
 * the history, ZY8014 the audit trail cannot be written (nothing changed).
 */
export type BundleCode = 'ZY8001' | 'ZY8002' | 'ZY8003' | 'ZY8004' | 'ZY8005' | 'ZY8006'
  | 'ZY8007' | 'ZY8008' | 'ZY8009' | 'ZY8010' | 'ZY8011' | 'ZY8012' | 'ZY8013' | 'ZY8014';
export class BundleError extends Error {
  constructor(readonly code: BundleCode, message: string) {
    super(message);
    this.name = 'BundleError';
  }
}
