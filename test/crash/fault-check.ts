// Shared checks and set-up of the fault and concurrency tests: a fresh target copied from a scenario's
// template, the counted crash points of its operation, and the exact state a failed command must leave.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNNER, countPoints, settledProblems } from './crash-point.js';
import { runRunner, type RunnerExit } from './inject.js';
import { openMedium } from './media.js';
import type { Settled } from '../../scripts/crash/runner.js';
import { makeScenarios, type Scenario } from './scenarios.js';
import type { CrashPoint } from './strace-log.js';

export { RUNNER };

/** A copy of the scenario's template at `<dir>/target` (a new world-readable temp dir if omitted). */
export function freshTarget(s: Scenario, dir?: string): string {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'servicepack-fault-'));
  chmodSync(root, 0o755);
  const target = join(root, 'target');
  rmSync(target, { recursive: true, force: true });
  cpSync(s.template, target, { recursive: true, verbatimSymlinks: true });
  return target;
}

export async function pointsOf(s: Scenario): Promise<CrashPoint[]> {
  const medium = openMedium('plain');
  try {
    return await countPoints(s, medium, medium.root);
  } finally {
    medium.close();
  }
}

/**
 * Small scenarios (`modules` per tree) with the crash points of each operation, by operation. The
 * health-trial operations are left out: the fault tests do not use them, and counting their points
 * under strace costs a minute.
 */
export async function scenariosWithPoints(modules: number): Promise<{ scenarios: Scenario[]; points: Map<string, CrashPoint[]> }> {
  const scenarios = (await makeScenarios(modules)).filter((s) => !s.op.startsWith('install-trial'));
  const points = new Map<string, CrashPoint[]>();
  for (const s of scenarios) points.set(s.op, await pointsOf(s));
  return { scenarios, points };
}

/** seq of the rename that replaces state.json: the point of no return. */
export function commitSeq(points: CrashPoint[]): number {
  const p = points.find((q) => q.name.startsWith('rename') && /state\.json"\)$/.test(q.call));
  assert.ok(p !== undefined, 'no state.json rename among the crash points');
  return p.seq;
}

/** The failed command left no lock and no staged files behind (before anything recovers). */
export function assertNothingLeft(target: string): void {
  const sp = join(target, '.servicepack');
  assert.equal(existsSync(join(sp, 'lock')), false, 'lock left behind');
  assert.equal(existsSync(join(sp, 'journal.json')), false, 'journal left behind');
  const staging = join(sp, 'staging');
  assert.deepEqual(existsSync(staging) ? readdirSync(staging) : [], [], 'staging left behind');
}

/** Recover in a fresh process, then: the expected tree and version, nothing pending, nothing left over. */
export async function settleTo(s: Scenario, target: string, side: 'old' | 'new'): Promise<Settled> {
  const r = await runSettle(target);
  assert.deepEqual(r.tree, side === 'old' ? s.before : s.after, `the target is not the ${side} tree`);
  // The crash matrix's checks of a settled target: version, pending, lock, pinned keys, leftovers.
  assert.deepEqual(settledProblems(s, r, side), [], `the settled ${side} target`);
  return r;
}

async function runSettle(target: string): Promise<Settled> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('node', [RUNNER, 'settle', target], { encoding: 'utf8' });
  assert.equal(r.status, 0, `recover failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as Settled;
}

/** The command failed with `code` (exit 1, or 4 for RECOVERY_NEEDED) and its message names `path`. */
export function assertFailed(r: RunnerExit, code: string, errno?: string, at = ''): { path: string } {
  assert.ok(r.json?.error !== undefined, `${at}: expected ${code}, got exit ${r.code ?? r.signal}: ${JSON.stringify(r.json)} ${r.stderr.slice(-500)}`);
  assert.equal(r.json.error.code, code, r.json.error.message);
  assert.equal(r.code, code === 'RECOVERY_NEEDED' ? 4 : 1);
  const d = r.json.error.details;
  if (errno !== undefined) assert.equal(d.errno, errno, r.json.error.message);
  const path = (d.path ?? d.target) as string;
  assert.equal(typeof path, 'string');
  return { path };
}

export { runRunner };
