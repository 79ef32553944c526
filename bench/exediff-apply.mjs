#!/usr/bin/env node
// Benchmark: apply speed of `exediff` blobs in MB/s of output, beside bspatch and zstd -d --patch-from
// in the same run, on real executables (the changed files of npm release pairs that build as exediff).
// Usage: npm run build && nice -n -10 node bench/exediff-apply.mjs [pair-name...] [--reps N] [--rebuild]
// For each file: "in process" is decodeBlob alone (base already in memory, output discarded, the stored
// and content SHA-256 checked as in an install), the best and median of N runs; "process" is one Node
// process that opens the pack, reads the base, decodes and writes the new file (wall time and peak RSS
// under /usr/bin/time, Node's start included), like the anchors' bspatch and zstd processes. On a shared
// machine wall times follow the load; the in-process row also gives the median CPU time of the decode.
// Packs and anchor patches are built once and cached in $SERVICEPACK_BENCH_CACHE/exediff-apply/.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE, CLI, changedFiles, fetchRelease, median, sha256, sizeOf, timed } from './lib.mjs';

// SERVICEPACK_DIST: another build's dist/ to time (an older decoder on the same packs).
const dist = process.env.SERVICEPACK_DIST ?? new URL('../dist', import.meta.url).pathname;
const { decodeBlob, openPack } = await import(`${dist}/src/format/index.js`);

/** The blob of `rel` in the pack's manifest, or undefined. */
function blobOf(reader, rel) {
  const e = reader.manifest.entries.find((x) => x.path === rel);
  return e?.blob === undefined ? undefined : { index: e.blob, blob: reader.manifest.blobs[e.blob] };
}

// Child mode: decode one file of a pack to OUT, as an install's staging would (base read from disk).
if (process.argv[2] === '--apply') {
  const [, , , pack, rel, oldPath, out] = process.argv;
  const reader = openPack(pack);
  const { index } = blobOf(reader, rel);
  const base = readFileSync(oldPath);
  const fd = openSync(out, 'w');
  try {
    decodeBlob(reader, index, (chunk) => {
      for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
    }, base);
  } finally {
    closeSync(fd);
    reader.close();
  }
  process.exit(0);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { reps: { type: 'string', default: '5' }, rebuild: { type: 'boolean', default: false } } });
const reps = Number(values.reps);

const PAIRS = [
  { name: 'esbuild', from: '@esbuild/linux-x64@0.28.1', to: '@esbuild/linux-x64@0.28.2' },
  { name: 'esbuild-win32', from: '@esbuild/win32-x64@0.28.1', to: '@esbuild/win32-x64@0.28.2' },
  { name: 'biome', from: '@biomejs/cli-linux-x64@2.6.7', to: '@biomejs/cli-linux-x64@2.6.8' },
];

const work = join(CACHE, 'exediff-apply');
mkdirSync(work, { recursive: true });
const tmp = join(work, 'out');
const versionOf = (spec) => spec.slice(spec.lastIndexOf('@') + 1);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Runs cmd `reps` times under /usr/bin/time, checking OUT against `want`: { median, best, rssMiB }. */
function timeApply(cmd, args, want) {
  const secs = [];
  let rss = 0;
  for (let i = 0; i < reps; i++) {
    rmSync(tmp, { force: true });
    const t = timed(cmd, args);
    if (sha256(tmp) !== want) throw new Error(`${cmd} ${args.join(' ')} did not restore the new file`);
    secs.push(t.seconds);
    rss = Math.max(rss, t.rssMiB);
  }
  rmSync(tmp, { force: true });
  return { median: median(secs), best: Math.min(...secs), rssMiB: rss };
}

console.error(`load average at start: ${load()} (${cpus().length} cores), ${reps} runs each`);
const rows = [];
for (const pair of PAIRS.filter((p) => positionals.length === 0 || positionals.some((w) => p.name === w))) {
  const oldRoot = fetchRelease(pair.from);
  const newRoot = fetchRelease(pair.to);
  const pack = join(work, `${pair.name}.svp`);
  if (values.rebuild || !existsSync(pack)) {
    rmSync(pack, { force: true });
    const b = timed(process.execPath, [CLI, 'build', oldRoot, newRoot, '--out', pack, '--json', '--product', pair.name, '--from-version', versionOf(pair.from), '--to-version', versionOf(pair.to)]);
    console.error(`${pair.name}: built ${pack} in ${b.seconds.toFixed(1)} s, ${b.rssMiB.toFixed(0)} MiB`);
  }
  const reader = openPack(pack);
  try {
    for (const [i, rel] of changedFiles(oldRoot, newRoot).entries()) {
      const found = blobOf(reader, rel);
      if (found?.blob.encoding !== 'exediff') continue;
      const oldPath = join(oldRoot, rel);
      const newPath = join(newRoot, rel);
      const size = sizeOf(newPath);
      const want = sha256(newPath);
      const row = (tool, patchBytes, t) => {
        rows.push({ pair: pair.name, file: rel, size, tool, patchBytes, ...t, load: load() });
        console.error(JSON.stringify(rows.at(-1)));
      };
      // servicepack in process: the decoder alone, base in memory, output discarded.
      const base = readFileSync(oldPath);
      const secs = [];
      const cpu = [];
      for (let r = 0; r < reps; r++) {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        decodeBlob(reader, found.index, () => {}, base);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
        secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
      }
      row('exediff in process', found.blob.storedSize, { median: median(secs), best: Math.min(...secs), cpu: median(cpu) });
      row('exediff process', found.blob.storedSize, timeApply(process.execPath, [new URL(import.meta.url).pathname, '--apply', pack, rel, oldPath, tmp], want));
      const bs = join(work, `${pair.name}-${i}.bsdiff`);
      if (!existsSync(bs)) execFileSync('bsdiff', [oldPath, newPath, bs], { stdio: 'ignore' });
      row('bspatch', sizeOf(bs), timeApply('bspatch', [oldPath, tmp, bs], want));
      const zs = join(work, `${pair.name}-${i}.zst`);
      if (!existsSync(zs)) execFileSync('zstd', ['-q', '-f', '-19', '--long=31', `--patch-from=${oldPath}`, newPath, '-o', zs], { stdio: 'ignore' });
      row('zstd -d --patch-from', sizeOf(zs), timeApply('zstd', ['-q', '-f', '-d', '--long=31', `--patch-from=${oldPath}`, zs, '-o', tmp], want));
    }
  } finally {
    reader.close();
  }
}
console.error(`load average at end: ${load()}`);
console.log('| pair | file (MB) | tool | patch bytes (% of new) | apply s, median (best) | MB/s of output, median (best) | CPU s (MB/s of CPU) | peak RSS MiB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const mbs = (s) => (r.size / 1e6 / s).toFixed(0);
  const rss = r.rssMiB === undefined ? '' : r.rssMiB.toFixed(0);
  const cpu = r.cpu === undefined ? '' : `${r.cpu.toFixed(3)} (${mbs(r.cpu)})`;
  console.log(`| ${r.pair} | ${r.file} (${(r.size / 1e6).toFixed(1)}) | ${r.tool} | ${r.patchBytes} (${((100 * r.patchBytes) / r.size).toFixed(2)}%) | ${r.median.toFixed(3)} (${r.best.toFixed(3)}) | ${mbs(r.median)} (${mbs(r.best)}) | ${cpu} | ${rss} |`);
}
