// Which arm decides a request while a canary runs: a hash of the event's key
// field (customer_id, say) picks a bucket from 0 to 9,999, and buckets below
// percent × 100 go to the canary. The same key always lands in the same
// bucket, in every process and after every restart (no salt), so a customer
// never flips between the live pack and the candidate; raising the percent
// only adds customers to the canary. A request without the key goes to the
// live bundle.
import { createHash } from 'node:crypto';
import type { Arm } from './store/decision-log.ts';

export const BUCKETS = 10_000;

/** The key's bucket, 0 … 9,999. */
export function bucketOf(key: string | number | boolean): number {
  const digest = createHash('sha256').update(String(key), 'utf8').digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

export function armOf(event: unknown, key: string, percent: number): Arm {
  if (percent <= 0 || typeof event !== 'object' || event === null) return 'live';
  const v = (event as Record<string, unknown>)[key];
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return 'live';
  return bucketOf(v) < Math.round(percent * (BUCKETS / 100)) ? 'canary' : 'live';
}
