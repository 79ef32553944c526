// Starting the write-back of staged files (native/writeback.c, docs/journal.md step 3): a real install by
// the CLI, traced with strace, starts each staged file's write-back right after writing it and before
// any of the staged files is fsynced; every staged file is still fsynced. The hint's own errors: a
// descriptor that is not open is a mistake (EBADF), a file that has no write-back (a pipe) is not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startWriteback } from '../src/platform/linux/writeback.js';
import { needs } from './helpers/tools.js';
import { tracedInstall } from './helpers/traced-install.js';
import { cleanupTempDirs, tempDir, type TreeSpec } from './helpers/tree.js';

after(cleanupTempDirs);

const built = existsSync(fileURLToPath(new URL('../native/writeback.node', import.meta.url)));
const skipNative = needs('cc') || (!built && 'the native modules are not built (npm run build)');

const big = (seed: number): Buffer => Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * seed) % 251));
const oldSpec: TreeSpec = { 'a.bin': big(3), lib: { 'b.bin': big(5), 'c.txt': 'old c\n' } };
const newSpec: TreeSpec = { 'a.bin': big(7), lib: { 'b.bin': big(11), 'c.txt': 'new c\n', 'd.txt': 'added\n' } };

describe('write-back of staged files', () => {
  it('starts for each staged file right after it is written, before the first fsync of any, and every one is still fsynced', { skip: needs('strace') || skipNative }, async () => {
    const { log } = await tracedInstall(oldSpec, newSpec, 'openat,pwrite64,sync_file_range,fsync,close');
    // Each file staged from the pack (staging/<txid>/<n>): whether its write-back was started after it was written, and whether it was fsynced.
    const staged = new Map<number, { path: string; wrote: boolean; started: boolean; startedAfterWrite: boolean; fsynced: boolean }>();
    const files: { path: string; started: boolean; startedAfterWrite: boolean; fsynced: boolean }[] = [];
    let firstStagedFsyncAt = -1;
    const lines = readFileSync(log, 'utf8').split('\n');
    let lastStartAt = -1;
    lines.forEach((line, at) => {
      const open = /openat\(AT_FDCWD, "([^"]*\/\.servicepack\/staging\/[^/"]+\/\d+)", [^)]*O_CREAT[^)]*\) = (\d+)/.exec(line);
      if (open !== null) {
        const f = { path: open[1]!, wrote: false, started: false, startedAfterWrite: false, fsynced: false };
        staged.set(Number(open[2]), f);
        files.push(f);
        return;
      }
      const call = /(pwrite64|sync_file_range|fsync|close)\((\d+)/.exec(line);
      const f = call === null ? undefined : staged.get(Number(call[2]));
      if (f === undefined) return;
      if (call![1] === 'pwrite64') f.wrote = true;
      if (call![1] === 'sync_file_range') {
        f.started = true;
        f.startedAfterWrite = f.wrote;
        lastStartAt = at;
      }
      if (call![1] === 'fsync') {
        f.fsynced = true;
        if (firstStagedFsyncAt < 0) firstStagedFsyncAt = at;
      }
      if (call![1] === 'close') staged.delete(Number(call![2]));
    });
    assert.equal(files.length, 4, `four files are staged: ${files.map((f) => f.path).join(', ')}`);
    assert.deepEqual(files.map((f) => [f.started, f.startedAfterWrite, f.fsynced]), files.map(() => [true, true, true]));
    assert.ok(lastStartAt < firstStagedFsyncAt, 'every write-back is started before the first staged file is fsynced');
  });

  it('is a mistake for a descriptor that is not open (EBADF), and nothing for a pipe (ESPIPE)', { skip: skipNative }, () => {
    const dir = tempDir('writeback');
    const fd = openSync(join(dir, 'f'), 'w');
    closeSync(fd);
    assert.throws(() => startWriteback(fd), (err: NodeJS.ErrnoException) => err.code === 'EBADF');
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    // O_RDWR: opening a FIFO does not wait for a writer.
    const pipe = openSync(fifo, constants.O_RDWR);
    try {
      startWriteback(pipe);
    } finally {
      closeSync(pipe);
    }
  });
});
