// Work stays bounded inside the documented limits: a blob whose zstd frame declares a window larger than
// the format allows for it is refused before zstd allocates it, with the memory of the whole command
// measured from outside.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI_PATH } from './helpers/cli-path.js';
import { signatureOf, writeRaw } from './helpers/craft.js';
import { testKey } from './helpers/packs.js';
import { cleanupTempDirs, makeTree, tempDir } from './helpers/tree.js';

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
