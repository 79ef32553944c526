// A failed syscall at any step of install or uninstall: the command fails with a coded error naming the
// path, leaves no lock and no staging, and the target is exactly the old tree — or, after the point of
// no return, exactly the new one. Faults are injected with strace into a real child process.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupTempDirs } from '../helpers/tree.js';
import { reaimed } from './crash-point.js';
import { assertFailed, assertNothingLeft, commitSeq, freshTarget, runRunner, scenariosWithPoints, settleTo } from './fault-check.js';
import type { RunnerExit } from './inject.js';
import { straceUnavailable } from './media.js';
import { samplePoints } from './matrix.js';
import type { Scenario } from './scenarios.js';
import { injectedCall, type CrashPoint } from './strace-log.js';

const skip = straceUnavailable() ?? false;

/**
 * One point per syscall kind (its first) plus an even spread: every step kind fails at least once. Opens
 * after the holder scan are left out: their ordinals shift with the number of processes.
 */
function stepsOf(counted: CrashPoint[], spread: number): CrashPoint[] {
  const points = counted.filter((p) => p.name !== 'openat' || p.procOpens === counted[0]!.procOpens);
  const firsts = new Map<string, CrashPoint>();
  for (const p of points) if (!firsts.has(p.name)) firsts.set(p.name, p);
  const all = new Map<number, CrashPoint>();
  for (const p of [...firsts.values(), ...samplePoints(points, spread)]) all.set(p.seq, p);
  return [...all.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Runs the operation with `errno` injected at `p` on a fresh target. Node's start-up may open a few
 * files more or fewer than in the counted run, so an open's ordinal can shift: the strace log shows
 * which call failed, and a miss is run again on a fresh target, re-aimed as the crash matrix re-aims
 * its kills (reaimed).
 */
async function injectAt(s: Scenario, p: CrashPoint, errno: string): Promise<{ target: string; r: RunnerExit; log: string }> {
  for (let attempt = 0, ordinal = p.ordinal; ; attempt++) {
    const target = freshTarget(s);
    const log = join(dirname(target), 'inject.log');
    const r = await runRunner([s.op, target, ...s.args], [`inject=${p.name}:error=${errno}:when=${ordinal}`], undefined, log);
    const hit = injectedCall(readFileSync(log, 'utf8'), p.name);
    const next = reaimed(p, hit, ordinal);
    if ((hit !== null && hit.call === p.call && hit.inWindow) || p.name !== 'openat' || next === ordinal || attempt >= 10) return { target, r, log: readFileSync(log, 'utf8') };
    rmSync(dirname(target), { recursive: true, force: true });
    ordinal = next;
  }
}

async function failAt(s: Scenario, p: CrashPoint, commit: number, errno: string): Promise<void> {
  const { target, r, log } = await injectAt(s, p, errno);
  try {
    const at = `${errno} at #${p.seq} ${p.call}`;
    if (r.code === 0 && (p.name === 'copy_file_range' || (p.name === 'fchown' && libuvCopyOwner(log)))) {
      // libuv answers a failed copy_file_range by copying with sendfile instead, and (in Node 24 and
      // later) copyfile's own fchown, which keeps the source's owner, ignores its failure: the fault
      // never surfaces.
      await settleTo(s, target, 'new');
    } else if (p.seq <= commit) {
      const { path } = assertFailed(r, 'IO_FAILED', errno, at);
      assert.ok(r.json!.error!.message.includes(path), `${at}: message does not name the path`);
      assertNothingLeft(target);
      const settled = await settleTo(s, target, 'old');
      assert.equal(settled.recovered === 'nothing-to-do' || settled.recovered === 'not-managed', true, `${at}: the command did not settle itself`);
    } else {
      // Past the point of no return the pack is in; a failed clean-up asks for recover (exit 4).
      assert.ok(r.code === 0 || r.json?.error?.code === 'IO_FAILED' || r.json?.error?.code === 'RECOVERY_NEEDED', `${at}: ${JSON.stringify(r.json)} ${r.stderr.slice(-400)}`);
      await settleTo(s, target, 'new');
    }
  } finally {
    rmSync(dirname(target), { recursive: true, force: true });
  }
}

/**
 * True when the injected fchown was libuv's inside copyfile: the same thread's next calls are fchmod
 * of that descriptor, then copy_file_range into it (our own fchown of a staged file comes after its
 * writes, and its failure stops the write: no fchmod follows).
 */
function libuvCopyOwner(log: string): boolean {
  const lines = log.split('\n');
  const i = lines.findIndex((l) => /fchown\(\d+,.*\(INJECTED\)/.test(l));
  if (i < 0) return false;
  const pid = /^\[pid +(\d+)\]/.exec(lines[i]!)?.[1] ?? /^(\d+) /.exec(lines[i]!)?.[1];
  const fd = /fchown\((\d+),/.exec(lines[i]!)![1];
  const same = lines.slice(i + 1).filter((l) => pid === undefined || l.startsWith(`[pid ${pid}]`) || l.startsWith(`${pid} `) || l.startsWith(`[pid  ${pid}]`));
  return new RegExp(`fchmod\\(${fd},`).test(same[0] ?? '') && new RegExp(`copy_file_range\\(\\d+, [^,]*, ${fd},`).test(same[1] ?? '');
}

describe('injected faults', { skip }, () => {
  let scenarios: Scenario[] = [];
  let points = new Map<string, CrashPoint[]>();
  before(async () => {
    ({ scenarios, points } = await scenariosWithPoints(2));
  });
  after(cleanupTempDirs);

  for (const op of ['install', 'uninstall']) {
    it(`${op}: EIO at every kind of step`, async () => {
      const s = scenarios.find((x) => x.op === op)!;
      const all = points.get(op)!;
      for (const p of stepsOf(all, 16)) await failAt(s, p, commitSeq(all), 'EIO');
    });
  }

  it('install: ENOSPC on writes and creates, EXDEV and EROFS on renames, EACCES on links', async () => {
    const s = scenarios.find((x) => x.op === 'install')!;
    const all = points.get('install')!;
    const commit = commitSeq(all);
    const firstOf = (name: string, after = -1): CrashPoint => all.find((p) => p.name === name && p.seq > after)!;
    const journal = all.find((p) => p.name === 'rename' && /journal\.json"\)$/.test(p.call))!.seq;
    await failAt(s, firstOf('pwrite64'), commit, 'ENOSPC');
    await failAt(s, firstOf('symlink'), commit, 'ENOSPC');
    await failAt(s, firstOf('mkdir', journal), commit, 'ENOSPC');
    await failAt(s, firstOf('rename', journal), commit, 'EXDEV');
    await failAt(s, firstOf('rename', journal + 20), commit, 'EROFS');
    await failAt(s, firstOf('link', journal), commit, 'EACCES');
  });
});
