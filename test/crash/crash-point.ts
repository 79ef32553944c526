// One crash point: copy the template target onto the medium, run the operation under strace until the
// kill at the chosen syscall, cut the power if the medium can, recover in a fresh process, and list
// every way the result breaks the promise (old or new tree exactly, status agrees, nothing left over).
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Medium } from './media.js';
import type { Settled } from '../../scripts/crash/runner.js';
import type { Scenario } from './scenarios.js';
import { DISK_SYSCALLS, alignedOrdinal, crashPointsOf, killedCall, nearestOrdinal, type CrashPoint, type KilledCall } from './strace-log.js';

export const RUNNER = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/crash/runner.js');

export interface PointResult {
  point: CrashPoint;
  /** Which tree recovery ended in. */
  outcome: 'old' | 'new' | 'neither';
  problems: string[];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** strace arguments; `--seccomp-bpf` is left out on purpose: with it strace 6.1 silently skips injection. */
const strace = (log: string, trace: string, extra: string[]): string[] => ['-f', '-qq', '-s', '256', '-o', log, '-e', `trace=${trace}`, ...extra];

function placeTarget(s: Scenario, medium: Medium): string {
  const target = join(medium.root, 'target');
  rmSync(target, { recursive: true, force: true });
  cpSync(s.template, target, { recursive: true, verbatimSymlinks: true });
  medium.sync();
  return target;
}

/** Runs the operation to completion under strace and returns its crash points (checked to complete). */
export async function countPoints(s: Scenario, medium: Medium, work: string): Promise<CrashPoint[]> {
  const target = placeTarget(s, medium);
  const log = join(work, 'count.log');
  const r = await exec('strace', [...strace(log, ['write', ...DISK_SYSCALLS].join(','), []), 'node', RUNNER, s.op, target, ...s.args]);
  if (r.code !== 0) throw new Error(`uncrashed ${s.op} failed (${r.code ?? r.signal}): ${r.stdout}${r.stderr}`);
  const points = crashPointsOf(readFileSync(log, 'utf8'));
  rmSync(target, { recursive: true, force: true });
  return points;
}

/** Runs one point; a harness error is reported as a failed point, never left to stop the other jobs. */
export async function runPoint(s: Scenario, medium: Medium, point: CrashPoint, work: string, expected: 'old' | 'new' | 'either' = 'either'): Promise<PointResult> {
  try {
    const r = await crashAt(s, medium, point, work);
    if (expected !== 'either' && r.outcome !== 'neither' && r.outcome !== expected) {
      r.problems.push(`ended in the ${r.outcome} tree, expected the ${expected} one (${expected === 'old' ? 'the trial was never confirmed' : 'the trial was confirmed'})`);
    }
    return r;
  } catch (err) {
    return { point, outcome: 'neither', problems: [`harness error: ${(err as Error).stack ?? String(err)}`] };
  }
}

async function crashAt(s: Scenario, medium: Medium, point: CrashPoint, work: string): Promise<PointResult> {
  const log = join(work, 'kill.log');
  const trace = `${point.name},write`;
  const problems: string[] = [];
  let target = '';
  // The JavaScript holder scan (where the native one is not built) opens /proc entries per process on
  // this thread, and processes come and go; Node's start-up, before the window, may open a few files
  // more or fewer: an openat ordinal can shift. The kill is then
  // retried with the ordinal corrected by where it landed (reaimed). When the correction does not move
  // the ordinal, the processes changed between the runs: the same ordinal is tried again, twice at most.
  const landings: string[] = [];
  for (let attempt = 0, unmoved = 0, ordinal = point.ordinal; ; attempt++) {
    target = placeTarget(s, medium);
    const inject = ['-e', `inject=${point.name}:signal=SIGKILL:when=${ordinal}`];
    const run = await exec('strace', [...strace(log, trace, inject), 'node', RUNNER, s.op, target, ...s.args]);
    const hit = killedCall(readFileSync(log, 'utf8'), point.name);
    const landed = hit !== null && hit.call === point.call && hit.inWindow && (run.signal === 'SIGKILL' || run.code === 137);
    if (landed) break;
    landings.push(`#${ordinal}→${hit === null ? 'nothing' : hit.call === point.call ? 'the point, outside the window' : `#${hit.ordinal} ${hit.call}`}`);
    const corrected = reaimed(point, hit, ordinal, run.signal !== 'SIGKILL' && run.code !== 137);
    unmoved = corrected === ordinal ? unmoved + 1 : 0;
    if (point.name === 'openat' && hit !== null && unmoved <= 2 && attempt < 30) {
      ordinal = corrected;
      continue;
    }
    if (run.signal !== 'SIGKILL' && run.code !== 137) problems.push(`not killed: exit ${run.code ?? run.signal} ${run.stdout.slice(-200)}${run.stderr.slice(-400)}`);
    problems.push(`kill landed elsewhere: expected #${ordinal} ${point.call}, got ${hit === null ? 'nothing' : `#${hit.ordinal} ${hit.call}`}; attempts: ${landings.join(', ')}`);
    break;
  }
  medium.powerCut();
  const settled = await exec('node', [RUNNER, 'settle', target, '2.0']);
  rmSync(target, { recursive: true, force: true });
  if (settled.code !== 0) return { point, outcome: 'neither', problems: [...problems, `recover failed: ${settled.stdout}${settled.stderr.slice(-600)}`] };
  const st = JSON.parse(settled.stdout) as Settled;
  const outcome = same(st.tree, s.before) ? 'old' : same(st.tree, s.after) ? 'new' : 'neither';
  problems.push(...settledProblems(s, st, outcome));
  return { point, outcome, problems };
}

/**
 * What is wrong with a settled target that ended in `outcome` (its tree compared already): version,
 * pending work, lock, pinned keys, leftovers in .servicepack/, and uninstall's result when it was run.
 */
export function settledProblems(s: Scenario, st: Settled, outcome: PointResult['outcome']): string[] {
  const problems: string[] = [];
  if (outcome === 'neither') problems.push(`tree is neither old nor new: ${difference(st.tree, s.before, s.after)}`);
  else {
    const expected = outcome === 'old' ? s.versionBefore : s.versionAfter;
    if (st.version !== expected) problems.push(`status says version ${st.version}, the tree is ${outcome} (${expected})`);
  }
  if (st.pending !== null) problems.push(`status still shows a pending transaction: ${JSON.stringify(st.pending)}`);
  if (st.lockedBy !== null) problems.push(`lock left behind by pid ${st.lockedBy}`);
  if (outcome !== 'neither') {
    const pins = pinsOf(st.servicepack);
    const expected = outcome === 'old' ? s.pinsBefore : s.pinsAfter;
    if (!same(pins, expected)) problems.push(`pinned keys [${pins.join(', ')}] with the ${outcome} tree, expected [${expected.join(', ')}]`);
  }
  const leftovers = st.servicepack.filter((p) => !allowed(p, st.historyTxids, st.listing));
  if (leftovers.length > 0) problems.push(`left in .servicepack: ${leftovers.slice(0, 8).join(', ')}`);
  if (st.afterUninstall !== undefined && !same(st.afterUninstall, s.base)) {
    problems.push(`uninstall after recovery does not give back 1.0: ${difference(st.afterUninstall, s.base, s.base)}`);
  }
  return problems;
}

/** What `.servicepack/` may hold once settled: the state, the history log, pinned keys, the tree's listing the state names, and the backups of installed service packs. */
function allowed(p: string, history: string[], listing: string | null): boolean {
  if (p === 'state.json' || p === 'history.log' || p === 'backup' || p === 'staging' || p === 'trust' || p === 'tree' || /^trust\/[^/]+\.pub$/.test(p)) return true;
  if (listing !== null && p === `tree/${listing}.json`) return true;
  return history.some((tx) => p === `backup/${tx}` || p.startsWith(`backup/${tx}/`));
}

/**
 * The ordinal to aim at `point` next, after aiming at `ordinal` hit `hit` instead: exactly, when the
 * call it hit occurs once in the counted run; else by lining up the window's opens outside /proc
 * (alignedOrdinal); else by the nearest occurrence of the hit's call (nearestOrdinal); else by the
 * differences in opens before the window and in /proc opens within it. When the run was not killed at
 * all (`finished`: it made fewer opens than aimed at), its last open is the counted run's last one.
 */
export function reaimed(point: CrashPoint, hit: KilledCall | null, ordinal: number, finished = false): number {
  if (hit === null) return ordinal;
  if (finished && point.openTotal !== undefined) return point.ordinal + hit.ordinal - point.openTotal;
  const counted = point.openIndex?.get(hit.call);
  if (counted !== undefined) return ordinal + point.ordinal - counted;
  return alignedOrdinal(point, hit, ordinal) ?? nearestOrdinal(point, hit, ordinal) ?? point.ordinal + (hit.preWindowOpens - point.preWindowOpens) + (hit.procOpens - point.procOpens);
}

/** The pin files among the paths under .servicepack/. */
const pinsOf = (servicepack: string[]): string[] => servicepack.filter((p) => /^trust\/[^/]+\.pub$/.test(p)).sort();

const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, n) => x === b[n]);

function difference(tree: string[], a: string[], b: string[]): string {
  const describe = (ref: string[]): string[] => {
    const r = new Set(ref);
    const t = new Set(tree);
    return [...tree.filter((x) => !r.has(x)).map((x) => `+${x}`), ...ref.filter((x) => !t.has(x)).map((x) => `-${x}`)];
  };
  const da = describe(a);
  const db = describe(b);
  const d = da.length <= db.length ? da : db;
  return `${d.length} line(s) off the ${d === da ? 'old' : 'new'} tree: ${d.slice(0, 6).join(' | ')}`;
}
