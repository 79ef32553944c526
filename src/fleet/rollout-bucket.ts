// PURE: a machine's stable place in a staged rollout. The bucket (0 <= bucket < 100) comes from a hash of
// the product, the rollout id and the machine id, so it is the same on every sync of one rollout, spread
// evenly over machines, and reshuffled by a new rollout (the same machines do not always go first).
import { createHash } from 'node:crypto';

export function rolloutBucket(product: string, rollout: string, machineId: string): number {
  const digest = createHash('sha256').update(`servicepack-rollout\0${product}\0${rollout}\0${machineId}`).digest();
  // 32 bits are plenty for a percentage with two decimals.
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

/** A machine is admitted when its bucket lies under the channel's percentage: 0 admits none, 100 all. */
export const admitted = (bucket: number, percent: number): boolean => bucket < percent;
