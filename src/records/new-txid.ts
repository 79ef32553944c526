// Transaction ids: sortable by time, unique per target, safe as a directory name.
import { randomBytes } from 'node:crypto';

export function newTxid(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}
