// The target lock: one servicepack process at a time per target. A lock whose owner process is gone
// (not running, a different process reusing the pid, or an earlier boot) is stale and is taken over
// atomically. A lock taken in another pid namespace (a container sharing the target) cannot be judged
// from here and is never taken over.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import type { Platform } from '../platform/index.js';
import { unlinkIfExists, writeAt } from './durable.js';
import { ioFailed, withIo } from './io-error.js';

interface LockRecord {
  pid: number;
  start: string | null;
  /** The owner's pid namespace (platform.pidNamespace); absent in records of older versions. */
  ns?: string;
  command?: string;
}

export class TargetLock {
  readonly file: string;
  readonly tookOverFrom: number | undefined;
  #released = false;

  private constructor(file: string, tookOverFrom: number | undefined) {
    this.file = file;
    this.tookOverFrom = tookOverFrom;
  }

  /**
   * Takes the lock file `file` for this process or throws LOCKED naming the live owner.
   * The record is written to a private temp file first and published with link(), which fails if the
   * lock exists: a reader never sees a half-written lock.
   */
  static acquire(file: string, target: string, platform: Platform): TargetLock {
    const record: LockRecord = { pid: process.pid, start: platform.processStartToken(process.pid) };
    const ns = platform.pidNamespace();
    if (ns !== null) record.ns = ns;
    const command = platform.describeProcess(process.pid);
    if (command !== undefined) record.command = command;
    const tmp = `${file}.${process.pid}`;
    let tookOverFrom: number | undefined;
    let acquired = false;
    try {
      withIo('write', tmp, () => {
        const fd = fs.openSync(tmp, 'w', 0o644);
        try {
          writeAt(fd, 0, Buffer.from(JSON.stringify(record)));
        } finally {
          fs.closeSync(fd);
        }
      });
      for (let attempt = 0; attempt < 5 && !acquired; attempt++) {
        try {
          fs.linkSync(tmp, file);
          acquired = true;
          break;
        } catch (err) {
          if (!hasErrno(err, 'EEXIST')) throw ioFailed(err, 'lock', file);
        }
        const owner = readLock(file);
        if (owner === undefined) continue; // released between our link and our read
        const state = owner === null ? 'gone' : platform.lockOwnerState(owner);
        if (owner !== null && state !== 'gone') {
          const details = owner.command === undefined ? { target, pid: owner.pid } : { target, pid: owner.pid, command: owner.command };
          if (state === 'running') {
            throw new ServicePackError('LOCKED', `target ${target} is locked by process ${owner.pid}`, {
              hint: 'Wait for the other servicepack command to finish. If that process is gone, run the command again: its stale lock is taken over.',
              details,
            });
          }
          throw new ServicePackError('LOCKED', `target ${target} is locked by process ${owner.pid} of another pid namespace (a container?), which cannot be checked from here`, {
            hint: `Wait for the servicepack command in that namespace to finish, or run this command there. Only if you are sure no servicepack process runs on this target, remove ${file} and run the command again.`,
            details: owner.ns === undefined ? details : { ...details, namespace: owner.ns },
          });
        }
        // Stale: move it out of the way; only one contender's rename succeeds.
        const stale = `${file}.stale-${process.pid}`;
        try {
          fs.renameSync(file, stale);
          fs.unlinkSync(stale);
          tookOverFrom = owner?.pid ?? -1;
        } catch (err) {
          if (!hasErrno(err, 'ENOENT')) throw ioFailed(err, 'take over stale lock', file);
        }
      }
      if (!acquired) {
        throw new ServicePackError('LOCKED', `target ${target} lock keeps changing hands`, {
          hint: 'Another servicepack process is starting on this target; run the command again when it has finished.',
          details: { target, pid: -1 },
        });
      }
      unlinkIfExists(tmp);
      return new TargetLock(file, tookOverFrom);
    } catch (err) {
      // No lock is handed out: give back what was taken. This is best effort on purpose: the error
      // being reported is `err`, and a lock file left by a failed removal is stale once we exit.
      for (const p of acquired ? [tmp, file] : [tmp]) {
        try {
          fs.rmSync(p, { force: true });
        } catch {
          break;
        }
      }
      throw err;
    }
  }

  /** Removes the lock if it is still ours. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const owner = readLock(this.file);
    if (owner !== undefined && owner !== null && owner.pid === process.pid) {
      withIo('unlock', this.file, () => fs.unlinkSync(this.file));
    }
  }
}

/** The lock record, null for an unreadable record, undefined when there is no lock. */
function readLock(file: string): LockRecord | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return undefined;
    throw ioFailed(err, 'read lock', file);
  }
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    if (typeof v.pid !== 'number') return null;
    const rec: LockRecord = { pid: v.pid, start: typeof v.start === 'string' ? v.start : null };
    if (typeof v.ns === 'string') rec.ns = v.ns;
    if (typeof v.command === 'string') rec.command = v.command;
    return rec;
  } catch {
    return null;
  }
}

export const lockFileName = 'lock';
export const lockPath = (spDir: string): string => path.join(spDir, lockFileName);
