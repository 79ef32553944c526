#!/usr/bin/env node
// Benchmark 1: delta size, build (encode) time, apply time and peak RSS of servicepack against bsdiff,
// xdelta3 -9 (lzma) and zstd -19 --long --patch-from, side by side on real npm release pairs.
// Usage: npm run build && node bench/delta-sizes.mjs [pair-name-substring...]
// Anchors work per changed file; servicepack builds and installs a pack of the whole package tree, and
// its decoder is also timed alone on each changed file (base in memory, output discarded): "decode MB/s".
// HDiffPatch (hdiffz) is not packaged in Debian: its numbers come from ../shared/FIELD-NOTES.md runs.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { CACHE, CLI, changedFiles, fetchRelease, sha256, sizeOf, timed } from './lib.mjs';

const { baseKindOf, codecOf, decodeBlob, openPack } = await import(new URL('../dist/src/format/index.js', import.meta.url).href);

/** Decodes the blobs of `paths` in `pack` against their old files (read beforehand): { bytes, seconds, encodings }. */
function decodeSpeed(pack, oldRoot, paths) {
  const reader = openPack(pack);
  let bytes = 0, seconds = 0;
  const encodings = {};
  try {
    for (const e of reader.manifest.entries) {
      if (!paths.includes(e.path) || e.blob === undefined) continue;
      const blob = reader.manifest.blobs[e.blob];
      encodings[blob.encoding] = (encodings[blob.encoding] ?? 0) + 1;
      // A codec that streams its base (zstd-windows) gets the old file open, the others its content.
      const kind = baseKindOf(codecOf(blob));
      const fd = kind === 'file' ? openSync(join(oldRoot, e.path), 'r') : undefined;
      const base = kind === undefined ? undefined : fd !== undefined ? { fd, size: fstatSync(fd).size } : readFileSync(join(oldRoot, e.path));
      const t = process.hrtime.bigint();
      try {
        decodeBlob(reader, e.blob, () => {}, base);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      seconds += Number(process.hrtime.bigint() - t) / 1e9;
      bytes += blob.size;
    }
  } finally {
    reader.close();
  }
  return { bytes, seconds, encodings };
}

const PAIRS = [
  { name: 'esbuild', from: '@esbuild/linux-x64@0.28.1', to: '@esbuild/linux-x64@0.28.2' },
  { name: 'biome', from: '@biomejs/cli-linux-x64@2.6.7', to: '@biomejs/cli-linux-x64@2.6.8' },
  { name: 'typescript', from: 'typescript@5.8.3', to: 'typescript@5.9.2' },
  { name: 'swc', from: '@swc/core-linux-x64-gnu@1.16.21', to: '@swc/core-linux-x64-gnu@1.16.22' },
  { name: 'esbuild-win32', from: '@esbuild/win32-x64@0.28.1', to: '@esbuild/win32-x64@0.28.2' },
  // Two more pairs of shared objects, so the encoder is not tuned to the pairs above (Rust, cdylib .node).
  { name: 'rollup', from: '@rollup/rollup-linux-x64-gnu@4.68.7', to: '@rollup/rollup-linux-x64-gnu@4.68.8' },
  { name: 'lightningcss', from: 'lightningcss-linux-x64-gnu@1.32.0', to: 'lightningcss-linux-x64-gnu@1.33.0' },
];

/** Each anchor: how to encode OLD+NEW into PATCH and decode OLD+PATCH into OUT. */
const TOOLS = {
  bsdiff: { enc: (o, n, p) => ['bsdiff', [o, n, p]], dec: (o, p, out) => ['bspatch', [o, out, p]] },
  'xdelta3 -9': { enc: (o, n, p) => ['xdelta3', ['-9', '-S', 'lzma', '-e', '-f', '-s', o, n, p]], dec: (o, p, out) => ['xdelta3', ['-d', '-f', '-s', o, p, out]] },
  'zstd -19 --long --patch-from': {
    enc: (o, n, p) => ['zstd', ['-q', '-f', '-19', '--long', `--patch-from=${o}`, n, '-o', p]],
    dec: (o, p, out) => ['zstd', ['-q', '-f', '-d', '--long=31', `--patch-from=${o}`, p, '-o', out]],
  },
};

const work = join(CACHE, 'work-delta');
const wanted = process.argv.slice(2);
const rows = [];
for (const pair of PAIRS.filter((p) => wanted.length === 0 || wanted.some((w) => p.name.includes(w)))) {
  const oldRoot = fetchRelease(pair.from);
  const newRoot = fetchRelease(pair.to);
  const changed = changedFiles(oldRoot, newRoot);
  const newBytes = changed.reduce((s, p) => s + sizeOf(join(newRoot, p)), 0);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const [tool, t] of Object.entries(TOOLS)) {
    let size = 0, enc = 0, dec = 0, encRss = 0, decRss = 0;
    for (const [i, rel] of changed.entries()) {
      const o = join(oldRoot, rel), n = join(newRoot, rel), p = join(work, `p${i}`), out = join(work, `o${i}`);
      const e = timed(...t.enc(o, n, p));
      const d = timed(...t.dec(o, p, out));
      if (sha256(out) !== sha256(n)) throw new Error(`${tool} did not restore ${rel}`);
      size += sizeOf(p); enc += e.seconds; dec += d.seconds;
      encRss = Math.max(encRss, e.rssMiB); decRss = Math.max(decRss, d.rssMiB);
      rmSync(p); rmSync(out);
    }
    rows.push({ pair: pair.name, tool, files: changed.length, newBytes, size, enc, dec, encRss, decRss });
    console.error(JSON.stringify(rows.at(-1)));
  }
  const pack = join(work, 'sp.svp');
  // Real versions: an install only moves forward ("old" -> "new" would be refused as a downgrade).
  const versionOf = (spec) => spec.slice(spec.lastIndexOf('@') + 1);
  const b = timed(process.execPath, [CLI, 'build', oldRoot, newRoot, '--out', pack, '--json', '--product', pair.name, '--from-version', versionOf(pair.from), '--to-version', versionOf(pair.to)]);
  const summary = JSON.parse(execFileSync(process.execPath, [CLI, 'inspect', pack, '--json'], { encoding: 'utf8' }).trim().split('\n').at(-1)).result;
  const stored = summary.entries.filter((e) => changed.includes(e.path)).reduce((s, e) => s + e.storedSize, 0);
  const target = join(work, 'target');
  cpSync(oldRoot, target, { recursive: true });
  // Built unsigned (the size compared is the payload's): installing it needs --allow-unsigned.
  const inst = timed(process.execPath, [CLI, 'install', pack, '--target', target, '--allow-unsigned']);
  for (const rel of changed) if (sha256(join(target, rel)) !== sha256(join(newRoot, rel))) throw new Error(`servicepack did not install ${rel}`);
  const speed = decodeSpeed(pack, oldRoot, changed);
  const biggest = changed.reduce((m, p) => Math.max(m, sizeOf(join(newRoot, p))), 0);
  rows.push({ pair: pair.name, tool: `servicepack (${Object.entries(speed.encodings).map(([k, v]) => `${v} ${k}`).join(', ')})`, files: changed.length, newBytes, size: stored, pack: summary.size, enc: b.seconds, dec: inst.seconds, encRss: b.rssMiB, decRss: inst.rssMiB, decodeMBs: speed.bytes / 1e6 / speed.seconds, decodeSeconds: speed.seconds, biggest });
  console.error(JSON.stringify(rows.at(-1)));
}
rmSync(work, { recursive: true, force: true });
const pct = (r) => `${((100 * r.size) / r.newBytes).toFixed(2)}%`;
console.log('| pair | tool | changed files (MB new) | delta bytes | % of new | build s | apply s | build peak RSS MiB | apply peak RSS MiB | decode alone |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const decode = r.decodeMBs === undefined ? '' : `${r.decodeSeconds.toFixed(2)} s, ${r.decodeMBs.toFixed(0)} MB/s`;
  console.log(`| ${r.pair} | ${r.tool} | ${r.files} (${(r.newBytes / 1e6).toFixed(1)}) | ${r.size} | ${pct(r)} | ${r.enc.toFixed(2)} | ${r.dec.toFixed(2)} | ${r.encRss.toFixed(0)} | ${r.decRss.toFixed(0)} | ${decode} |`);
}
writeFileSync(join(CACHE, 'delta-sizes.json'), JSON.stringify(rows, null, 1));
