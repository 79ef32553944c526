#!/usr/bin/env node
// Benchmark: files of any size and incompressible input, servicepack side by side with cp and the zstd
// CLI in one run. Three cases:
//  - big:    a 4.5 GB file of real data (a tar of /usr, repeated if short), 7 bytes changed at spread
//            offsets: build (time, peak RSS, pack size) and install (time, peak RSS, exact content),
//            against cp and `zstd --patch-from --long=31` on the same pair;
//  - random: a 1 GiB file of random bytes added by a pack: build throughput against cp, `zstd -1`, and
//            `zstd -19` on its first 64 MiB (the whole file would take minutes);
//  - swc:    @swc/core-linux-x64-gnu 1.16.21 -> 1.16.22 (a 10.8 MB binary that hardly compresses):
//            build throughput against `zstd -19`, `zstd -19 --long --patch-from`, `zstd -1`.
// Usage: npm run build && node bench/big-files.mjs [big] [random] [swc]   (default: all three)
// Needs about 25 GB free under SERVICEPACK_BENCH_CACHE (default /tmp/servicepack-bench-cache).
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CACHE, CLI, fetchRelease, timed } from './lib.mjs';

const wanted = process.argv.slice(2);
const run = (name) => wanted.length === 0 || wanted.includes(name);
const BIG = Number(process.env.BIG_BYTES ?? 4.5e9);
const RANDOM = Number(process.env.RANDOM_BYTES ?? 2 ** 30);
const work = join(CACHE, 'work-big');
const rows = [];
const row = (r) => {
  rows.push(r);
  console.error(JSON.stringify(r));
};
const mbps = (bytes, seconds) => Number((bytes / 1e6 / seconds).toFixed(1));

/** sha256 of a file, 1 MiB at a time (the files here do not fit in one Buffer). */
function hashOf(path) {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let pos = 0; ;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function buildPack(oldDir, newDir, out) {
  const t = timed(process.execPath, [CLI, 'build', oldDir, newDir, '--out', out, '--force', '--product', 'bench', '--from-version', '1', '--to-version', '2']);
  return { ...t, size: statSync(out).size };
}

if (run('big')) {
  const dir = join(work, 'big');
  mkdirSync(join(dir, 'old'), { recursive: true });
  mkdirSync(join(dir, 'new'), { recursive: true });
  const oldFile = join(dir, 'old', 'data.img');
  const newFile = join(dir, 'new', 'data.img');
  if (!existsSync(oldFile) || statSync(oldFile).size !== BIG) {
    // Real data: a tar of /usr (binaries, libraries, text), repeated until BIG bytes.
    execFileSync('bash', ['-c', `(for i in 1 2 3; do tar cf - -C / usr 2>/dev/null; done) | head -c ${BIG} > ${oldFile}`]);
  }
  execFileSync('cp', [oldFile, newFile]);
  const fd = openSync(newFile, 'r+');
  for (let i = 0; i < 7; i++) writeSync(fd, randomBytes(1), 0, 1, Math.floor((BIG * (i + 0.5)) / 7));
  closeSync(fd);
  execFileSync('sync');
  const pack = join(dir, 'big.svp');
  const b = buildPack(join(dir, 'old'), join(dir, 'new'), pack);
  row({ case: 'big', tool: 'servicepack build', bytes: BIG, seconds: b.seconds, rssMiB: b.rssMiB, size: b.size });
  const target = join(dir, 'target');
  rmSync(target, { recursive: true, force: true });
  const c = timed('cp', ['-r', join(dir, 'old'), target]);
  row({ case: 'big', tool: 'cp (old tree to target)', bytes: BIG, seconds: c.seconds, rssMiB: c.rssMiB });
  const i = timed(process.execPath, [CLI, 'install', pack, '--target', target, '--allow-unsigned']);
  const exact = hashOf(join(target, 'data.img')) === hashOf(newFile);
  row({ case: 'big', tool: 'servicepack install', bytes: BIG, seconds: i.seconds, rssMiB: i.rssMiB, exact });
  const patch = join(dir, 'zstd.patch');
  try {
    const z = timed('zstd', ['-q', '-f', '-1', '--long=31', `--patch-from=${oldFile}`, newFile, '-o', patch]);
    row({ case: 'big', tool: 'zstd -1 --long=31 --patch-from', bytes: BIG, seconds: z.seconds, rssMiB: z.rssMiB, size: statSync(patch).size });
  } catch (err) {
    row({ case: 'big', tool: 'zstd -1 --long=31 --patch-from', bytes: BIG, failed: String(err.message).split('\n')[0] });
  }
  rmSync(target, { recursive: true, force: true });
  rmSync(patch, { force: true });
}

if (run('random')) {
  const dir = join(work, 'random');
  mkdirSync(join(dir, 'old'), { recursive: true });
  mkdirSync(join(dir, 'new'), { recursive: true });
  const file = join(dir, 'new', 'random.bin');
  if (!existsSync(file) || statSync(file).size !== RANDOM) execFileSync('bash', ['-c', `head -c ${RANDOM} /dev/urandom > ${file}`]);
  const b = buildPack(join(dir, 'old'), join(dir, 'new'), join(dir, 'r.svp'));
  row({ case: 'random', tool: 'servicepack build', bytes: RANDOM, seconds: b.seconds, mbps: mbps(RANDOM, b.seconds), rssMiB: b.rssMiB, size: b.size });
  const c = timed('cp', [file, join(dir, 'copy')]);
  row({ case: 'random', tool: 'cp', bytes: RANDOM, seconds: c.seconds, mbps: mbps(RANDOM, c.seconds) });
  const z1 = timed('zstd', ['-q', '-f', '-1', file, '-o', join(dir, 'z1')]);
  row({ case: 'random', tool: 'zstd -1', bytes: RANDOM, seconds: z1.seconds, mbps: mbps(RANDOM, z1.seconds), size: statSync(join(dir, 'z1')).size });
  const part = join(dir, 'first-64m');
  execFileSync('bash', ['-c', `head -c ${64 << 20} ${file} > ${part}`]);
  const z19 = timed('zstd', ['-q', '-f', '-19', part, '-o', join(dir, 'z19')]);
  row({ case: 'random', tool: 'zstd -19 (first 64 MiB)', bytes: 64 << 20, seconds: z19.seconds, mbps: mbps(64 << 20, z19.seconds) });
  for (const f of ['copy', 'z1', 'z19', 'first-64m', 'r.svp']) rmSync(join(dir, f), { force: true });
}

if (run('swc')) {
  const oldRoot = fetchRelease('@swc/core-linux-x64-gnu@1.16.21');
  const newRoot = fetchRelease('@swc/core-linux-x64-gnu@1.16.22');
  const dir = join(work, 'swc');
  mkdirSync(dir, { recursive: true });
  const bin = 'swc.linux-x64-gnu.node';
  const bytes = statSync(join(newRoot, bin)).size;
  const b = buildPack(oldRoot, newRoot, join(dir, 's.svp'));
  row({ case: 'swc', tool: 'servicepack build (whole package)', bytes, seconds: b.seconds, mbps: mbps(bytes, b.seconds), rssMiB: b.rssMiB, size: b.size });
  for (const [tool, args] of [
    ['zstd -19', ['-19']],
    ['zstd -1', ['-1']],
    ['zstd -19 --long --patch-from', ['-19', '--long', `--patch-from=${join(oldRoot, bin)}`]],
    ['zstd -1 --long --patch-from', ['-1', '--long', `--patch-from=${join(oldRoot, bin)}`]],
  ]) {
    const out = join(dir, 'z');
    const t = timed('zstd', ['-q', '-f', ...args, join(newRoot, bin), '-o', out]);
    row({ case: 'swc', tool, bytes, seconds: t.seconds, mbps: mbps(bytes, t.seconds), rssMiB: t.rssMiB, size: statSync(out).size });
  }
}

console.log('| case | tool | bytes | seconds | MB/s | peak RSS MiB | output bytes | note |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const note = r.exact === undefined ? (r.failed ?? '') : r.exact ? 'exact content' : 'CONTENT DIFFERS';
  console.log(`| ${r.case} | ${r.tool} | ${r.bytes} | ${r.seconds?.toFixed(1) ?? '-'} | ${r.mbps ?? mbps(r.bytes, r.seconds ?? NaN)} | ${r.rssMiB?.toFixed(0) ?? '-'} | ${r.size ?? '-'} | ${note} |`);
}
