// Crash-test helpers shared by the kill tests: run a library script in a child that strace kills at the
// n-th call of one syscall, and check that a recovered target keeps nothing of the transaction.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { statusSync as status } from '../../src/index.js';
import type { Platform } from '../../src/platform/index.js';
import { stateFilesOf, trusted } from './packs.js';
import { needs, toolPath } from './tools.js';

/** strace on PATH ('strace' when it is missing: tests skip on `straceSkip`). */
export const STRACE = toolPath('strace') ?? 'strace';
/** The skip reason of a kill test (strace missing), or false. */
export const straceSkip = (): string | false => needs('strace');

/**
 * Runs `script` (an ES module text reading pack, target and trusted key from argv) in a child that strace
 * kills with SIGKILL at the n-th call of `syscall`; true if it was killed, false if it printed `done`.
 */
export function killedAt(script: string, syscall: string, n: number, pack: string, target: string): boolean {
  const r = spawnSync(STRACE, ['-f', '-qq', '-o', '/dev/null', '-e', `inject=${syscall}:signal=SIGKILL:when=${n}`,
    process.execPath, '--input-type=module', '-e', script, pack, target, trusted.trustedKey[0]!], { encoding: 'utf8' });
  const done = r.stdout.includes('done');
  assert.ok(done || r.signal === 'SIGKILL' || r.status === 137, `unexpected end: ${r.status} ${r.signal} ${r.stderr}`);
  return !done;
}

/** After recovery nothing of the transaction may remain: no journal, lock, temp or staged file, no unreferenced backup. */
export function assertSettled(target: string, platform?: Platform): void {
  const st = status({ target, ...(platform === undefined ? {} : { platform }) });
  assert.equal(st.pending, null);
  assert.equal(st.lockedBy, null);
  assert.deepEqual(stateFilesOf(target).filter((p) => /^journal\.json$|^lock$|tmp-|stale|^staging\//.test(p)), []);
  const backups = existsSync(join(target, '.servicepack/backup')) ? readdirSync(join(target, '.servicepack/backup')) : [];
  assert.deepEqual(backups.sort(), st.history.map((h) => h.txid).sort());
}
