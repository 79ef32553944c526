// Staged files written now and fsynced later (src/fs/deferred-sync.ts), on real files: every file ends
// with exactly its bytes and mode, copies too, and no more than 128 descriptors wait for their fsync at
// once however many files are written.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { deferredSync } from '../src/fs/deferred-sync.js';
import { cleanupTempDirs, tempDir } from './helpers/tree.js';

after(cleanupTempDirs);

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('deferred sync', () => {
  it('writes 300 files whole, with their modes, holding at most 128 descriptors', () => {
    const dir = tempDir('deferred');
    const files = deferredSync();
    const before = openFds();
    let most = 0;
    for (let n = 0; n < 300; n++) {
      files.writeNewFile(join(dir, String(n)), n % 2 === 0 ? 0o644 : 0o755, (write) => {
        write(Buffer.from(`file ${n} `));
        write(Buffer.alloc(n, n % 256));
      });
      most = Math.max(most, openFds() - before);
    }
    files.copyNewFile(join(dir, '7'), join(dir, 'copy-of-7'), 0o644);
    files.flush();
    assert.equal(openFds(), before, 'flush closes every descriptor');
    assert.ok(most <= 128, `at most 128 descriptors wait for their fsync (saw ${most})`);
    assert.ok(most >= 100, `files do wait for their fsync together (saw ${most})`);
    for (let n = 0; n < 300; n++) {
      assert.deepEqual(readFileSync(join(dir, String(n))), Buffer.concat([Buffer.from(`file ${n} `), Buffer.alloc(n, n % 256)]));
      assert.equal(statSync(join(dir, String(n))).mode & 0o777, n % 2 === 0 ? 0o644 : 0o755);
    }
    assert.deepEqual(readFileSync(join(dir, 'copy-of-7')), readFileSync(join(dir, '7')));
    assert.equal(statSync(join(dir, 'copy-of-7')).mode & 0o777, 0o644);
  });

  it('never replaces an existing file, and close gives back every descriptor', () => {
    const dir = tempDir('deferred');
    const files = deferredSync();
    const before = openFds();
    files.writeNewFile(join(dir, 'a'), 0o644, (write) => write(Buffer.from('a')));
    assert.throws(() => files.writeNewFile(join(dir, 'a'), 0o644, (write) => write(Buffer.from('b'))), (err: { code?: string; details?: { errno?: string } }) => err.code === 'IO_FAILED' && err.details?.errno === 'EEXIST');
    files.close();
    assert.equal(openFds(), before);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'a');
  });
});
