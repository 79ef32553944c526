// SHA-256 beside the transaction (native/hasher.c through the platform's backgroundHasher): exact
// digests of buffers and of files read from their descriptors, results taken in any order, a queued job
// given back to the caller, a read that fails reported with its errno; staging with it checks each written file before its fsync and gives
// the very PACK_CORRUPT an install without it gives (the first damaged file in plan order, the target
// unchanged); the preflight's scan with it gives the same inventory as without it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { installSync, type ServicePackError } from '../src/index.js';
import { deferredSync } from '../src/fs/deferred-sync.js';
import { scanInventory } from '../src/inventory/scan-inventory.js';
import { selectPlatform, type BackgroundHasher, type Platform } from '../src/platform/index.js';
import { sectionsOf, signatureOf, writeRaw } from './helpers/craft.js';
import { trusted } from './helpers/keys.js';
import { copyOf, expectCode, packFrom } from './helpers/packs.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, hashTree, makeTree, tempDir, type TreeSpec } from './helpers/tree.js';

after(cleanupTempDirs);

const built = existsSync(fileURLToPath(new URL('../native/hasher.node', import.meta.url)));
const skip = needs('cc') || (!built && 'the native modules are not built (npm run build)');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const withHasher = selectPlatform('linux');
const withoutHasher: Platform = { ...withHasher, backgroundHasher: undefined };

function open(): BackgroundHasher {
  const h = withHasher.backgroundHasher?.() ?? null;
  assert.ok(h !== null, 'the Linux platform has a background hasher where hasher.node is built');
  return h;
}

describe('background hasher', { skip }, () => {
  it('hashes buffers and descriptors exactly, whatever the order results are taken in', () => {
    const h = open();
    try {
      const buffers = [Buffer.alloc(0), Buffer.from('abc'), randomBytes(64 * 1024 - 1), randomBytes(3 * 1024 * 1024 + 17)];
      const file = join(tempDir('hasher'), 'f.bin');
      const content = randomBytes(5 * 1024 * 1024 + 3); // more than the thread's 1 MiB reads
      writeFileSync(file, content);
      const empty = join(tempDir('hasher'), 'empty');
      writeFileSync(empty, '');
      const fds = [openSync(file, 'r'), openSync(empty, 'r')];
      try {
        const jobs = [...buffers.map((b) => h.addBuffer(b)), ...fds.map((fd) => h.addFd(fd))];
        const expected = [...buffers, content, Buffer.alloc(0)].map((b) => ({ sha256: sha(b), bytes: b.length }));
        // Last first: the first ones are done by then, the last may not be.
        const got = [...jobs].reverse().map((j) => h.result(j)).reverse();
        assert.deepEqual(got, expected);
        assert.deepEqual(h.result(jobs[1]!), expected[1], 'a result can be taken again');
      } finally {
        fds.forEach(closeSync);
      }
    } finally {
      h.close();
    }
  });

  it('gives a job back to the caller only while the thread has not begun it', () => {
    const h = open();
    try {
      // The thread is busy with the first (large) buffer for a while; the last of the small ones is still queued.
      const jobs = [h.addBuffer(randomBytes(32 * 1024 * 1024)), ...Array.from({ length: 8 }, () => h.addBuffer(randomBytes(1024)))];
      const last = jobs[jobs.length - 1]!;
      assert.equal(h.take(last), true, 'a queued job is given back');
      assert.equal(h.take(last), false, 'once');
      assert.throws(() => h.result(last), /taken back/);
      h.result(jobs[jobs.length - 2]!);
      assert.equal(h.take(jobs[0]!), false, 'a finished job is not');
      assert.equal(h.result(jobs[0]!).bytes, 32 * 1024 * 1024);
    } finally {
      h.close();
    }
  });

  it("reports a descriptor it cannot read with the read's errno, and refuses work once closed", () => {
    const h = open();
    const fd = openSync(join(tempDir('hasher'), 'w'), 'w'); // write-only: pread fails with EBADF
    try {
      const job = h.addFd(fd);
      assert.throws(() => h.result(job), (err: NodeJS.ErrnoException) => err.code === 'EBADF' && err.syscall === 'read');
    } finally {
      closeSync(fd);
      h.close();
    }
    assert.throws(() => h.addBuffer(Buffer.from('x')), /not an open hasher/);
    h.close(); // twice is harmless
  });

  it('deferred sync: the fill is told who checks, and a mismatch throws before that file is synced', () => {
    for (const platform of [withHasher, withoutHasher]) {
      const dir = tempDir('deferred-hash');
      const files = deferredSync(platform);
      const told: boolean[] = [];
      const mismatches: string[] = [];
      const contentOf = (name: string, size: number): Buffer => Buffer.alloc(size, name);
      const expectedOf = (content: Buffer) => ({ sha256: sha(content), size: content.length, mismatch: (actual: string) => new Error(actual) });
      // 64 KiB to 256 MiB go to the hasher; a smaller file is hashed as it is written.
      const sizes = { a: 64 * 1024, b: 1024 * 1024 + 1, c: 64 * 1024 - 1 };
      for (const [name, size] of Object.entries(sizes)) {
        const content = contentOf(name, size);
        files.writeNewFile(join(dir, name), 0o644, (write, checkContent) => {
          told.push(checkContent);
          write(content);
        }, {}, expectedOf(content));
      }
      files.flush();
      assert.deepEqual(told, platform === withHasher ? [false, false, true] : [true, true, true]);
      assert.deepEqual(readFileSync(join(dir, 'b')), contentOf('b', sizes.b));
      if (platform === withoutHasher) continue;
      // With the hasher: a file whose bytes are not the expected ones fails the check; so does `check`.
      const bad = deferredSync(platform);
      const wrong = contentOf('x', 100_000);
      bad.writeNewFile(join(dir, 'd'), 0o644, (write) => write(wrong), {}, {
        sha256: sha(contentOf('d', 100_000)), size: 100_000, mismatch: (actual) => {
          mismatches.push(actual);
          return new Error('d is damaged');
        },
      });
      assert.throws(() => bad.check(), /d is damaged/);
      bad.close();
      assert.deepEqual(mismatches, [sha(wrong)]);
    }
  });

  it('the preflight scan gives the same inventory, in the same order, with and without it', () => {
    const spec: TreeSpec = { 'big.bin': randomBytes(300_000), 'mid.bin': randomBytes(100_000), 'small.txt': 'small\n', lib: { 'x.bin': randomBytes(200_000) } };
    const target = makeTree(spec);
    const paths = ['lib', 'lib/x.bin', 'small.txt', 'mid.bin', 'gone.txt', 'big.bin'].map((path) => ({ path, listChildren: path === 'lib' }));
    const keepContent = new Map([['lib/x.bin', 200_000], ['small.txt', 6], ['mid.bin', 100_000], ['big.bin', 300_000]]);
    const plain = scanInventory(target, paths, { keepContent });
    const h = open();
    try {
      const background = scanInventory(target, paths, { keepContent, hasher: h });
      assert.deepEqual([...background.keys()], paths.map((p) => p.path));
      assert.deepEqual(background, plain);
      const big = background.get('big.bin');
      assert.equal(big?.node?.type === 'file' ? big.node.sha256 : null, sha(readFileSync(join(target, 'big.bin'))));
    } finally {
      h.close();
    }
  });
});

describe('install, content checked beside staging', { skip }, () => {
  const oldSpec: TreeSpec = { 'a.bin': Buffer.alloc(200_000, 1), 'b.bin': Buffer.alloc(200_000, 2), 'c.txt': 'c v1\n' };
  const newSpec: TreeSpec = { 'a.bin': Buffer.alloc(200_000, 3), 'b.bin': Buffer.alloc(200_000, 4), 'c.txt': 'c v2\n' };

  /** The pack with the sha256 of `damaged`'s blob replaced (so its content no longer matches), re-signed; optionally a stored byte of another blob flipped too. */
  async function damagedPack(damaged: string, flipStoredOf?: string): Promise<{ pack: string; oldDir: string; blobSha: string }> {
    const { pack, oldDir } = await packFrom(oldSpec, newSpec);
    const s = sectionsOf(pack);
    const manifest = JSON.parse(s.manifest.toString('utf8')) as { entries: { path: string; blob?: number; new?: { sha256?: string } }[]; blobs: { sha256: string; offset: number; storedSize: number }[] };
    const blobOf = (path: string) => manifest.blobs[manifest.entries.find((e) => e.path === path)!.blob!]!;
    const blob = blobOf(damaged);
    const blobSha = blob.sha256;
    blob.sha256 = sha(Buffer.from('something else'));
    manifest.entries.find((e) => e.path === damaged)!.new!.sha256 = blob.sha256;
    const payload = Buffer.from(s.payload);
    if (flipStoredOf !== undefined) {
      const other = blobOf(flipStoredOf);
      payload[other.offset + other.storedSize - 1]! ^= 0xff;
    }
    const bytes = Buffer.from(JSON.stringify(manifest));
    return { pack: writeRaw(join(tempDir('damaged'), 'd.svp'), bytes, signatureOf(bytes), payload), oldDir, blobSha };
  }

  function refusedOn(platform: Platform, pack: string, oldDir: string): ServicePackError<'PACK_CORRUPT'> {
    const target = copyOf(oldDir);
    const before = hashTree(target);
    const err = expectCode('PACK_CORRUPT', () => installSync(pack, { ...trusted, target, platform }));
    assert.equal(hashTree(target), before, 'the target is unchanged');
    return err;
  }

  it('a file whose decoded content differs from its signed hash: the same PACK_CORRUPT with and without the hasher', async () => {
    const { pack, oldDir, blobSha } = await damagedPack('b.bin');
    const errors = [withHasher, withoutHasher].map((p) => refusedOn(p, pack, oldDir));
    for (const err of errors) {
      assert.equal(err.details.entry, 'b.bin');
      assert.equal(err.details.expected, `sha256 ${sha(Buffer.from('something else'))}`);
      assert.equal(err.details.actual, `sha256 ${blobSha}`);
    }
    assert.equal(errors[0]!.message, errors[1]!.message);
  });

  it('the first damaged file in plan order is the one reported, though a later one fails while the first is still being hashed', async () => {
    const { pack, oldDir } = await damagedPack('a.bin', 'b.bin');
    const [a, b] = [withHasher, withoutHasher].map((p) => refusedOn(p, pack, oldDir));
    assert.equal(a!.details.entry, 'a.bin');
    assert.equal(b!.details.entry, 'a.bin');
    assert.equal(a!.message, b!.message);
  });
});
