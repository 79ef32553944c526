#!/usr/bin/env node
// Benchmark: what encoding effort buys on a nearly incompressible executable. For @swc/core-linux-x64-gnu
// 1.16.21 -> 1.16.22 (a 10.8 MB shared object whose `.swc_native` section is 10 MB of zstd-compressed
// data), the size and CPU time of every encoder the build could choose: the full frame, zstd-patch at
// each level and with cheaper strategies, and exediff; then zstd-patch on the file's three parts
// (before, inside and after `.swc_native`) to show where the bytes saved come from.
// CPU seconds (user + system of this process, all threads) are what a build pays on a loaded machine;
// wall seconds are given too. Usage: npm run build && node bench/incompressible-effort.mjs
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fetchRelease } from './lib.mjs';

const dist = new URL('../dist/src/', import.meta.url).href;
const { zstd, newCompressor } = await import(`${dist}format/zstd.js`);
const { exediffCodec } = await import(`${dist}format/codecs/exediff.js`);
const { exediffNative } = await import(`${dist}format/codecs/exediff-native.js`);
const { looksIncompressible } = await import(`${dist}delta/incompressible.js`);

const bin = 'swc.linux-x64-gnu.node';
const oldPath = join(fetchRelease('@swc/core-linux-x64-gnu@1.16.21'), bin);
const newPath = join(fetchRelease('@swc/core-linux-x64-gnu@1.16.22'), bin);
const base = readFileSync(oldPath);
const content = readFileSync(newPath);
const z = zstd();

/** CPU and wall seconds of `f()`, and its result. */
function measure(f) {
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  const result = f();
  const c = process.cpuUsage(c0);
  return { result, cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - w0) / 1e9 };
}

/** A zstd frame of `data` (against `dict` as raw content, force-loaded, like zstd-patch) at `level`, then `params`. */
function frame(data, dict, level, params = {}) {
  const cctx = newCompressor(level);
  cctx.setParameter(z.CParameter.dictIDFlag, 0);
  if (dict !== undefined) {
    cctx.setParameter(z.CParameter.windowLog, Math.min(31, Math.ceil(Math.log2(dict.length + data.length))));
    cctx.setParameter(z.CParameter.enableLongDistanceMatching, 1);
    cctx.setParameter(1001, 3); // ZSTD_c_forceAttachDict = ZSTD_dictForceLoad, as zstd-patch.ts
  }
  for (const [k, v] of Object.entries(params)) cctx.setParameter(z.CParameter[k], v);
  if (dict !== undefined) cctx.loadDictionary(dict);
  const out = Buffer.allocUnsafe(z.compressBound(data.length));
  return cctx.compress2(out, data);
}

/** [start, end) of the ELF64 section named `name` in `b`. */
function section(b, name) {
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a), shnum = b.readUInt16LE(0x3c), shstrndx = b.readUInt16LE(0x3e);
  const at = (i) => shoff + i * shentsize;
  const strtab = Number(b.readBigUInt64LE(at(shstrndx) + 0x18));
  for (let i = 0; i < shnum; i++) {
    const nameOff = b.readUInt32LE(at(i));
    const end = b.indexOf(0, strtab + nameOff);
    if (b.toString('latin1', strtab + nameOff, end) === name) {
      const off = Number(b.readBigUInt64LE(at(i) + 0x18));
      return [off, off + Number(b.readBigUInt64LE(at(i) + 0x20))];
    }
  }
  throw new Error(`no section ${name}`);
}

const rows = [];
const row = (what, size, m, of = content.length) => {
  const r = { what, bytes: size, percent: (100 * size) / of, cpu: m.cpu, wall: m.wall, mbps: of / 1e6 / m.cpu };
  rows.push(r);
  console.error(JSON.stringify(r));
};

const probe = measure(() => looksIncompressible(newPath, statSync(newPath).size));
console.error(`probe: incompressible=${probe.result}, ${probe.cpu.toFixed(3)} s CPU`);
for (const level of [1, 19]) row(`zstd (full frame), level ${level}`, ...(({ result, ...m }) => [result, m])(measure(() => frame(content, undefined, level))));
for (const level of [1, 3, 5, 9, 12, 15, 17, 19]) {
  const m = measure(() => frame(content, base, level));
  row(`zstd-patch, level ${level}`, m.result, m);
}
const variants = [
  ['level 1, LDM min match 16', 1, { ldmMinMatch: 16 }],
  ['level 1, btlazy2, LDM min match 16', 1, { ldmMinMatch: 16, strategy: 6, searchLog: 1 }],
  ['level 1, fast, hash log 22, min match 5, LDM 16', 1, { ldmMinMatch: 16, hashLog: 22, minMatch: 5 }],
  ['level 1, btultra2 (search log 1), LDM 16', 1, { ldmMinMatch: 16, strategy: 9, searchLog: 1, hashLog: 16, chainLog: 16, targetLength: 8 }],
];
for (const [name, level, params] of variants) {
  const m = measure(() => frame(content, base, level, params));
  row(`zstd-patch, ${name}`, m.result, m);
}
if (exediffNative() !== null) {
  for (const level of [1, 19]) {
    const m = measure(() => {
      let n = 0;
      exediffCodec.encode({ path: newPath, size: content.length, content, base, level }, (c) => { n += c.length; });
      return n;
    });
    row(`exediff, streams at level ${level}`, m.result, m);
  }
} else console.error('exediff: native encoder not built (libdivsufsort-dev), skipped');

// The parts: before `.swc_native` (code, read-only data), the section, and after it.
const [os, oe] = section(base, '.swc_native');
const [ns, ne] = section(content, '.swc_native');
const parts = [
  ['before .swc_native', base.subarray(0, os), content.subarray(0, ns)],
  ['.swc_native', base.subarray(os, oe), content.subarray(ns, ne)],
  ['after .swc_native', base.subarray(oe), content.subarray(ne)],
];
for (const [name, o, n] of parts) {
  for (const level of [1, 19]) {
    const full = measure(() => frame(n, undefined, level));
    row(`${name} (${n.length} B): full, level ${level}`, full.result, full, n.length);
    const patch = measure(() => frame(n, o, level));
    row(`${name} (${n.length} B): patch against the same part, level ${level}`, patch.result, patch, n.length);
  }
}

console.log(`new file ${content.length} B, old ${base.length} B; probe ${probe.result ? 'incompressible' : 'compressible'} in ${probe.cpu.toFixed(3)} s CPU`);
console.log('| encoder | bytes | % of input | CPU s | wall s | MB/s of CPU |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.what} | ${r.bytes.toLocaleString('en-US')} | ${r.percent.toFixed(3)}% | ${r.cpu.toFixed(3)} | ${r.wall.toFixed(3)} | ${r.mbps.toFixed(1)} |`);
