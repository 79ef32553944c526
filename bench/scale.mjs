#!/usr/bin/env node
// Benchmark: a pack for a large tree with a small change. 50,000 files (about 200 MB) in 500
// directories, 100 of them changed by one line. Measures the pack (and its manifest) against a
// `zstd -19` tar of the 100 changed files, and the install onto a managed target (the record of its
// tree made once, by an earlier install) against the floor (bench/floor.mjs: write, fsync and rename
// the 100 files), side by side, alternating. Also reports the first install into an unmanaged copy,
// which hashes the whole tree once.
// Usage: npm run build && node bench/scale.mjs [trials=3] [files=50000] [changes=100]
import { execFileSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, CLI, median, sha256, timed } from './lib.mjs';

const trials = Number(process.argv[2] ?? 3);
const fileCount = Number(process.argv[3] ?? 50_000);
const changeCount = Number(process.argv[4] ?? 100);
const work = join(CACHE, `work-scale-${fileCount}-${changeCount}`);
const oldRoot = join(work, 'old');
const newRoot = join(work, 'new');
const seedRoot = join(work, 'seed');
const perDir = 100;

/** Deterministic text: 64 lines of 63 characters and a newline, about 4 KiB a file. */
function content(i) {
  let x = (i * 2654435761) >>> 0;
  const lines = [];
  for (let l = 0; l < 64; l++) {
    let line = '';
    for (let c = 0; c < 63; c++) {
      x = (x * 1103515245 + 12345) >>> 0;
      line += String.fromCharCode(97 + ((x >>> 16) % 26));
    }
    lines.push(line);
  }
  return lines;
}
const pathOf = (i) => `d${String(Math.floor(i / perDir)).padStart(4, '0')}/f${String(i % perDir).padStart(3, '0')}.txt`;
// Changed files spread over the tree.
const changed = Array.from({ length: changeCount }, (_, k) => Math.floor((k * fileCount) / changeCount) + 7);

if (!existsSync(join(work, 'ready'))) {
  rmSync(work, { recursive: true, force: true });
  for (let i = 0; i < fileCount; i++) {
    const rel = pathOf(i);
    if (i % perDir === 0) mkdirSync(join(oldRoot, rel, '..'), { recursive: true });
    writeFileSync(join(oldRoot, rel), `${content(i).join('\n')}\n`);
  }
  execFileSync('cp', ['-a', oldRoot, newRoot]);
  for (const i of changed) {
    const lines = content(i);
    lines[10] = `${lines[10].slice(0, 40)} changed in version 2`;
    writeFileSync(join(newRoot, pathOf(i)), `${lines.join('\n')}\n`);
  }
  // The seed release: version 1 without one file, so that installing 0 -> 1 makes a managed target.
  execFileSync('cp', ['-a', oldRoot, seedRoot]);
  rmSync(join(seedRoot, 'seed-only.txt'), { force: true });
  writeFileSync(join(oldRoot, 'seed-only.txt'), 'added by the seed pack\n');
  writeFileSync(join(newRoot, 'seed-only.txt'), 'added by the seed pack\n');
  writeFileSync(join(work, 'ready'), '');
}

const key = join(CACHE, 'bench-signing');
if (!existsSync(`${key}.key`)) execFileSync(process.execPath, [CLI, 'keygen', '--out', key]);
const build = (from, to, a, b, out) => timed(process.execPath, [CLI, 'build', a, b, '--out', out, '--force', '--product', 'scale', '--from-version', from, '--to-version', to, '--sign', `${key}.key`]);
const seedPack = join(work, 'seed.svp');
const pack = join(work, 'scale.svp');
build('0', '1', seedRoot, oldRoot, seedPack);
const built = build('1', '2', oldRoot, newRoot, pack);

const packBytes = statSync(pack).size;
const header = Buffer.alloc(32);
const fd = openSync(pack, 'r');
readSync(fd, header, 0, 32, 0);
closeSync(fd);
const manifestBytes = header.readUInt32LE(12);
const changedPaths = changed.map(pathOf);
const tarZstd = Number(execFileSync('sh', ['-c', `tar cf - -C ${newRoot} ${changedPaths.join(' ')} | zstd -19 -q -c | wc -c`], { encoding: 'utf8' }).trim());

// A managed target at version 1: the seed's install made the record of its tree once.
const template = join(work, 'managed-template');
if (!existsSync(template)) {
  execFileSync('cp', ['-a', seedRoot, template]);
  execFileSync(process.execPath, [CLI, 'install', seedPack, '--target', template, '--trusted-key', `${key}.pub`], { stdio: 'ignore' });
}
const plan = join(work, 'plan.json');
writeFileSync(plan, JSON.stringify({ write: changedPaths, remove: [] }));
const floorScript = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'floor.mjs');
const methods = {
  servicepack: (t) => timed(process.execPath, [CLI, 'install', pack, '--target', t, '--trusted-key', `${key}.pub`]),
  floor: (t) => timed(process.execPath, [floorScript, newRoot, t, plan]),
  'servicepack, first install (unmanaged)': (t) => timed(process.execPath, [CLI, 'install', pack, '--target', t, '--trusted-key', `${key}.pub`]),
};
const results = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
for (let n = 0; n < trials; n++) {
  for (const [name, run] of Object.entries(methods)) {
    const t = join(work, `target-${n}-${name.replace(/\W+/g, '_')}`);
    execFileSync('cp', ['-a', name.includes('unmanaged') ? oldRoot : template, t]);
    execFileSync('sync');
    results[name].push(run(t));
    if (name !== 'floor') for (const rel of changedPaths.slice(0, 5)) if (sha256(join(t, rel)) !== sha256(join(newRoot, rel))) throw new Error(`${name} left ${rel} wrong`);
    rmSync(t, { recursive: true, force: true });
  }
}
console.log(`${fileCount} files in ${fileCount / perDir} directories, ${changeCount} changed by one line; ${trials} trials`);
console.log(`pack: ${packBytes} bytes (manifest ${manifestBytes}, payload and signature ${packBytes - 32 - manifestBytes}); build ${built.seconds.toFixed(1)} s, peak RSS ${built.rssMiB.toFixed(0)} MiB`);
console.log(`zstd -19 tar of the ${changeCount} changed files: ${tarZstd} bytes; pack / tar.zst = ${(packBytes / tarZstd).toFixed(2)}`);
const floor = median(results.floor.map((r) => r.seconds));
console.log('| method | median s | min s | max s | × floor | peak RSS MiB |');
console.log('|---|---|---|---|---|---|');
for (const [name, rs] of Object.entries(results)) {
  const s = rs.map((r) => r.seconds);
  console.log(`| ${name} | ${median(s).toFixed(3)} | ${Math.min(...s).toFixed(3)} | ${Math.max(...s).toFixed(3)} | ${(median(s) / floor).toFixed(2)} | ${Math.max(...rs.map((r) => r.rssMiB)).toFixed(0)} |`);
}
