// The error of loading a bundle or its code, with no Node-only imports: the
// engine (which the browser editor bundles too) throws it as well.

/**
 * ZY8001 not a bundle (truncated, malformed, unreadable), ZY8002 altered (hash
 * mismatch), ZY8003 not trusted (unsigned, bad signature, no trusted key),
 * ZY8004 cannot be built or loaded, ZY8005 made by an incompatible zhiyu,
 * ZY8006 a key file that is not an ed25519 key.
 */
export type BundleCode = 'ZY8001' | 'ZY8002' | 'ZY8003' | 'ZY8004' | 'ZY8005' | 'ZY8006';
export class BundleError extends Error {
  constructor(readonly code: BundleCode, message: string) {
    super(message);
    this.name = 'BundleError';
  }
}
