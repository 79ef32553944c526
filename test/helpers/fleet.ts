// Fixtures of the fleet tests: three releases of one product (1.0, 2.0, 3.0; 3.0 carries 1 MiB of
// incompressible bytes so a download takes a while under --max-rate), the packs between them, and
// repositories built from them with the library, as `repo init`, `publish` and `channel` would.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, channel, publish, repoInit } from '../../src/index.js';
import { noise } from './binaries.js';
import { testKey } from './keys.js';
import { makeTree, tempDir, type TreeSpec } from './tree.js';

export const RELEASES: Record<string, TreeSpec> = {
  '1.0': { bin: { app: 'app 1.0\n' }, 'README': 'acme\n', lib: { 'data.bin': noise(64 * 1024, 1) } },
  '2.0': { bin: { app: 'app 2.0\n' }, 'README': 'acme\n', lib: { 'data.bin': noise(64 * 1024, 2) } },
  '3.0': { bin: { app: 'app 3.0\n' }, 'README': 'acme 3\n', lib: { 'data.bin': noise(64 * 1024, 3), 'big.bin': noise(1 << 20, 4) } },
};

export interface Packs {
  trees: Record<string, string>;
  /** Packs by `from->to`. */
  packs: Record<string, string>;
}

/** Builds the release trees and the packs 1.0->2.0, 2.0->3.0 and 1.0->3.0 (signed with the test key). */
export async function buildPacks(extra: { failingPre?: boolean; unhealthy?: boolean } = {}): Promise<Packs> {
  const trees = Object.fromEntries(Object.entries(RELEASES).map(([v, spec]) => [v, makeTree(spec)]));
  const out = tempDir('fleet-packs');
  const packs: Record<string, string> = {};
  for (const [from, to] of [['1.0', '2.0'], ['2.0', '3.0'], ['1.0', '3.0']] as const) {
    const pack = join(out, `${from}-${to}.svp`);
    await build({ oldDir: trees[from]!, newDir: trees[to]!, out: pack, product: 'acme', fromVersion: from, toVersion: to, level: 3, sign: testKey.key, threads: 0 });
    packs[`${from}->${to}`] = pack;
  }
  if (extra.failingPre === true) {
    const pack = join(out, '2.0-3.0-failing.svp');
    await build({ oldDir: trees['2.0']!, newDir: trees['3.0']!, out: pack, product: 'acme', fromVersion: '2.0', toVersion: '3.0', level: 3, sign: testKey.key, threads: 0, preHook: ['/bin/false'] });
    packs['2.0->3.0 failing'] = pack;
  }
  if (extra.unhealthy === true) {
    // 3.0 declares a health check that 3.0 fails (its README is not 2.0's): the trial rolls the link back.
    const pack = join(out, '2.0-3.0-unhealthy.svp');
    const health = { checks: [{ cmd: ['/bin/grep', '-qx', 'acme', 'README'] }], delayMs: 0, periodMs: 100, windowMs: 300, deadlineMs: 2_000 };
    await build({ oldDir: trees['2.0']!, newDir: trees['3.0']!, out: pack, product: 'acme', fromVersion: '2.0', toVersion: '3.0', level: 3, sign: testKey.key, threads: 0, health });
    packs['2.0->3.0 unhealthy'] = pack;
  }
  return { trees, packs };
}

export interface Repo {
  dir: string;
  keys: string;
  root: string;
}

/** A repository under `parent/name` with `packs` published and channel `stable` at `version`. */
export async function makeRepo(parent: string, name: string, packs: string[], version: string, channelOpts: { percent?: number } = {}): Promise<Repo> {
  const dir = join(parent, name);
  const keys = join(tempDir('fleet-keys'), 'keys');
  const r = await repoInit({ repo: dir, keyDir: keys });
  await publish(packs, { repo: dir, keyDir: keys, packKeys: [testKey.pub] });
  await channel('stable', { repo: dir, keyDir: keys, version, ...channelOpts });
  return { dir, keys, root: r.rootFile };
}

/** A copy of a release tree as a target nobody managed yet. */
export function targetAt(trees: Record<string, string>, version: string): string {
  const to = join(tempDir('fleet-target'), 'acme');
  mkdirSync(to, { recursive: true });
  cpSync(trees[version]!, to, { recursive: true });
  return to;
}
