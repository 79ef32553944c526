// Shared fixtures for the integration tests: a pack built from two declarative trees, copies of a
// tree as install targets, the target's tree without servicepack's own directory, and error capture.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, isServicePackError, type ErrorCode, type ServicePackError } from '../../src/index.js';
import { testKey } from './keys.js';
import { describeTree, makeTree, tempDir, type TreeSpec } from './tree.js';

export { testKey, trusted } from './keys.js';

export interface BuiltPack {
  oldDir: string;
  newDir: string;
  pack: string;
}

/** Builds `<product> from -> to` from two tree specs into a temp dir, signed with the test key unless `unsigned`. */
export async function packFrom(oldSpec: TreeSpec, newSpec: TreeSpec, labels: { product?: string; from?: string; to?: string; unsigned?: boolean } = {}): Promise<BuiltPack> {
  const oldDir = makeTree(oldSpec);
  const newDir = makeTree(newSpec);
  const pack = join(tempDir('pack'), 'sp.svp');
  await build({ oldDir, newDir, out: pack, product: labels.product ?? 'acme', fromVersion: labels.from ?? '1.0', toVersion: labels.to ?? '2.0', level: 3, ...(labels.unsigned === true ? {} : { sign: testKey.key }) });
  return { oldDir, newDir, pack };
}

/** A fresh copy of `dir` (links copied verbatim) to install into. */
export function copyOf(dir: string): string {
  const to = join(tempDir('target'), 'install');
  cpSync(dir, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/** describeTree of a target without `.servicepack/`. */
export function treeOf(dir: string): string[] {
  return describeTree(dir, { exclude: ['.servicepack'] });
}

/**
 * Every path under `.servicepack/` (sorted), to check what a command left behind; none when there is no
 * `.servicepack/` (an unmanaged target keeps none).
 */
export function stateFilesOf(target: string): string[] {
  const out: string[] = [];
  if (!existsSync(join(target, '.servicepack'))) return out;
  const walk = (dir: string, rel: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = rel === '' ? d.name : `${rel}/${d.name}`;
      out.push(p);
      if (d.isDirectory()) walk(join(dir, d.name), p);
    }
  };
  walk(join(target, '.servicepack'), '');
  return out.sort();
}

/** Runs `fn`, which must throw a ServicePackError with `code`, and returns that error. */
export function expectCode<C extends ErrorCode>(code: C, fn: () => unknown): ServicePackError<C> {
  try {
    fn();
  } catch (err) {
    if (!isServicePackError(err)) throw err;
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err as ServicePackError<C>;
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}

/** Awaits `fn`, which must reject with a ServicePackError with `code`, and returns that error. */
export async function expectRejection<C extends ErrorCode>(code: C, fn: () => Promise<unknown>): Promise<ServicePackError<C>> {
  try {
    await fn();
  } catch (err) {
    if (!isServicePackError(err)) throw err;
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err as ServicePackError<C>;
  }
  return assert.fail(`expected ${code}, but nothing was thrown`);
}

/** Spawns a child and resolves once its stdout contains `marker`; rejects if it exits first. */
export function spawnUntil(cmd: string, args: string[], marker: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(marker)) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`${cmd} exited (${code ?? signal}) before "${marker}": ${err}`)));
  });
}

/** Kills `child` (if still running) and waits for its exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}
