// Work stays bounded inside the documented limits: a blob whose zstd frame declares a window larger than
// the format allows for it is refused before zstd allocates it, with the memory of the whole command
// measured from outside; planning, steps and verify stay linear in entries and in depth (each test
// has a CPU-time bound that the quadratic or cubic code exceeded many times over;
// bench/preflight-scale.mjs measures them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installSync as install, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { signatureOf, writeRaw } from './helpers/craft.js';
import { craftPack, type CraftEntry } from './helpers/craft.js';
import { testKey, trusted } from './helpers/packs.js';
import { cleanupTempDirs, describeTree, makeTree, tempDir } from './helpers/tree.js';

const RLE_BLOCK = 128 * 1024;

/**
 * A valid zstd frame of `size` zero bytes made of RLE blocks (4 stored bytes per 128 KiB: zstd's
 * 32768:1 maximum), whose header declares the content size and a window of 2^`windowLog` bytes.
 */
function zeroFrame(size: number, windowLog: number): Buffer {
  const header = Buffer.alloc(14);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0b1100_0000; // 8-byte content size, not single-segment, no checksum, no dictionary id
  header[5] = (windowLog - 10) << 3;
  header.writeBigUInt64LE(BigInt(size), 6);
  const blocks: Buffer[] = [header];
  for (let left = size; left > 0; left -= RLE_BLOCK) {
    const n = Math.min(left, RLE_BLOCK);
    const last = left === n ? 1 : 0;
    const word = last | (1 << 1) | (n << 3); // block type 1: RLE
    blocks.push(Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0]));
  }
  return Buffer.concat(blocks);
}

function sha256OfZeros(size: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= chunk.length) hash.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
  return hash.digest('hex');
}

/** A signed pack adding one file of `size` zeros, stored as `zeroFrame(size, windowLog)`. */
function zeroPack(size: number, windowLog: number): string {
  const frame = zeroFrame(size, windowLog);
  const sha256 = sha256OfZeros(size);
  const storedSha256 = createHash('sha256').update(frame).digest('hex');
  const manifest = Buffer.from(JSON.stringify({
    format: 1, product: 'acme', fromVersion: '1.0', toVersion: '2.0',
    entries: [{ path: 'zeros', action: 'add', new: { type: 'file', sha256, size, executable: false }, blob: 0 }],
    blobs: [{ offset: 0, storedSize: frame.length, storedSha256, encoding: 'zstd', size, sha256 }],
  }));
  return writeRaw(join(tempDir('bomb'), 'bomb.svp'), manifest, signatureOf(manifest), frame);
}

/** Runs the CLI under /usr/bin/time: exit status, the --json result and the peak RSS in MiB. */
function cliMeasured(...args: string[]): { status: number | null; result: Record<string, any>; maxRssMiB: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss-kib %M', process.execPath, CLI_PATH, ...args, '--json'], { encoding: 'utf8' });
  const rss = /maxrss-kib (\d+)\s*$/.exec(r.stderr);
  assert.ok(rss, `no peak RSS in ${r.stderr}`);
  return { status: r.status, result: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, any>, maxRssMiB: Number(rss[1]) / 1024 };
}

describe('bounded work', () => {
  after(cleanupTempDirs);

  it('refuses a full blob whose frame declares a 2^31 window (a 64 KiB pack of 2 GiB of zeros) with PACK_CORRUPT, in bounded memory', () => {
    const pack = zeroPack(2 ** 31, 31);
    for (const dryRun of [true, false]) {
      const target = makeTree({});
      const { status, result, maxRssMiB } = cliMeasured('install', pack, '--target', target, '--trusted-key', testKey.pub, ...(dryRun ? ['--dry-run'] : []));
      assert.deepEqual([status, result.ok, result.error?.code, result.error?.details?.entry], [1, false, 'PACK_CORRUPT', 'zeros'], JSON.stringify(result));
      assert.match(result.error.details.expected, /^a zstd window of at most 134217728 bytes/);
      assert.ok(maxRssMiB < 300, `peak RSS ${maxRssMiB.toFixed(0)} MiB`);
      assert.equal(existsSync(join(target, 'zeros')), false);
    }
  });

  it('still installs a frame whose window is as large as its content allows', () => {
    // 4 MiB of zeros with a 4 MiB window: legal (the window does not exceed the content).
    const pack = zeroPack(4 << 20, 22);
    const target = makeTree({});
    const { status, result } = cliMeasured('install', pack, '--target', target, '--trusted-key', testKey.pub);
    assert.deepEqual([status, result.ok], [0, true], JSON.stringify(result));
  });

  it('refuses a small full blob whose frame declares a window larger than its content', () => {
    const pack = zeroPack(4 << 20, 24);
    const target = makeTree({});
    const { status, result } = cliMeasured('install', pack, '--target', target, '--trusted-key', testKey.pub, '--dry-run');
    assert.deepEqual([status, result.error?.code, result.error?.details?.expected], [1, 'PACK_CORRUPT', 'a zstd window of at most 4194304 bytes (the blob\'s size, rounded up to a power of two)'], JSON.stringify(result));
  });
});

/** Added directories d000..d099, each holding `perDir` added directories: sorted as a manifest needs. */
function manyDirs(perDir: number): CraftEntry[] {
  const entries: CraftEntry[] = [];
  for (let i = 0; i < 100; i++) {
    const dir = `d${String(i).padStart(3, '0')}`;
    entries.push({ path: dir, action: 'add', new: { type: 'dir' } });
    for (let j = 0; j < perDir; j++) entries.push({ path: `${dir}/${j.toString(36).padStart(4, '0')}`, action: 'add', new: { type: 'dir' } });
  }
  return entries;
}

/** A chain a/a/.../a of `depth` added directories with an added symlink `l` in each, sorted by path. */
function chain(depth: number): CraftEntry[] {
  const dirs: string[] = [];
  for (let d = 0, p = ''; d < depth; d++) dirs.push((p = p === '' ? 'a' : `${p}/a`));
  const entries: CraftEntry[] = [
    ...dirs.map((path) => ({ path, action: 'add', new: { type: 'dir' } })),
    ...dirs.map((dir) => ({ path: `${dir}/l`, action: 'add', new: { type: 'symlink', target: 'x' } })),
  ];
  return entries.sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)));
}

/**
 * Runs `work` and fails when it used more than `budget` seconds of this process's CPU (user + system):
 * a bound many times what the linear code needs and a fraction of what the old code took, counted in
 * CPU time so that a loaded machine does not make it fail.
 */
function withinCpu<T>(budget: number, work: () => T): T {
  const start = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(start);
  const seconds = (used.user + used.system) / 1e6;
  assert.ok(seconds < budget, `used ${seconds.toFixed(1)} s of CPU, more than ${budget} s`);
  if (process.env.SERVICEPACK_SHOW_CPU !== undefined) console.log(`cpu ${seconds.toFixed(2)} s`);
  return result;
}

describe('linear planning', () => {
  // On tmpfs: these tests are about CPU work, and a transaction's directory fsyncs on a busy disk would
  // measure the disk instead.
  const made: string[] = [];
  const target = (): string => {
    const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/servicepack-bounds-' : join(tempDir('bounds'), 't-'));
    made.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
    cleanupTempDirs();
  });

  // Before: 31.7 s of CPU (the kept-directory filter compared every transition with every other one);
  // after: 5.0 s.
  it('plans 300,000 added directories (--dry-run)', () => {
    const pack = craftPack({ entries: manyDirs(2999) });
    const plan = withinCpu(15, () => install(pack, { ...trusted, target: target(), dryRun: true }));
    assert.equal(plan.actions.length, 300_000);
    assert.deepEqual([plan.actions[0], plan.actions.at(-1)], [
      { path: 'd000', action: 'add', type: 'dir', bytes: 0, holders: [] },
      { path: 'd099/02ba', action: 'add', type: 'dir', bytes: 0, holders: [] },
    ]);
  });

  // Before: 142.6 s of CPU for the install (every step lstat'ed every ancestor, each lookup as long as
  // the path: depth^3); after: 2.3 s, and 3.9 s for the uninstall.
  it('installs and uninstalls a chain of 1,500 nested directories with a symlink in each', () => {
    const pack = craftPack({ entries: chain(1500) });
    const t = target();
    const result = withinCpu(30, () => install(pack, { ...trusted, target: t }));
    assert.equal(result.actions.length, 3000);
    const expected = chain(1500).map((e) => (e.new?.type === 'dir' ? `${e.path} dir` : `${e.path} symlink x`));
    assert.deepEqual(describeTree(t, { exclude: ['.servicepack'] }), expected.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    assert.equal(verify({ target: t }).ok, true);
    withinCpu(30, () => uninstall({ target: t }));
    assert.deepEqual(describeTree(t, { exclude: ['.servicepack'] }), []);
  });

  it('verify lists 140,000 unexpected entries below one directory', () => {
    // Before: the listing of a subdirectory was spread into push()'s arguments: a RangeError from about 125,000.
    const pack = craftPack({ entries: [{ path: 'data', action: 'add', new: { type: 'dir' } }] });
    const t = target();
    install(pack, { ...trusted, target: t });
    for (let i = 0; i < 140_000; i++) mkdirSync(join(t, 'data', i.toString(36)));
    const result = verify({ target: t });
    assert.deepEqual([result.ok, result.unexpected.length, result.unexpected[0], result.unexpected.at(-1)], [false, 140_000, 'data/0', 'data/zzz']);
  });
});
