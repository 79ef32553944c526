#!/usr/bin/env node
// The caller's event loop during an install of the biome pack (@biomejs/cli-linux-x64 2.6.7 -> 2.6.8,
// one 100 MB binary changed, a zstd-patch delta): a 5 ms interval timer runs meanwhile, and the longest
// gap between two of its ticks is reported, for installSync (the transaction on the calling thread) and
// for install (the Promise API: the transaction on a worker thread). `node bench/event-loop-gap.mjs [runs]`
// after `npm run build`; the pack is built once into the bench cache (level 19, unsigned).
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE, fetchRelease, median } from './lib.mjs';

const lib = await import(new URL('../dist/src/index.js', import.meta.url).pathname);
const runs = Number(process.argv[2] ?? 3);
const oldRoot = fetchRelease('@biomejs/cli-linux-x64@2.6.7');
const newRoot = fetchRelease('@biomejs/cli-linux-x64@2.6.8');
const pack = join(CACHE, 'event-loop-gap-biome-2.6.7-2.6.8.svp');
if (!existsSync(pack)) {
  const started = Date.now();
  await lib.build({ oldDir: oldRoot, newDir: newRoot, out: pack, product: 'biome', fromVersion: '2.6.7', toVersion: '2.6.8' });
  console.log(`built ${pack} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs `work` with a 5 ms interval timer beside it: { worstGapMs, ticks, seconds }. */
async function withTimer(work) {
  let last = performance.now();
  let worst = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  // Let the timer tick once after a synchronous call, so the gap it blocked is counted.
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(timer);
  return { worstGapMs: worst, ticks, seconds };
}

const results = { installSync: [], install: [] };
for (let n = 0; n < runs; n++) {
  for (const variant of ['installSync', 'install']) {
    const work = mkdtempSync(join(tmpdir(), 'servicepack-gap-'));
    const target = join(work, 'biome');
    cpSync(oldRoot, target, { recursive: true });
    const r = await withTimer(async () => {
      const done = await lib[variant](pack, { target, allowUnsigned: true });
      if (done.toVersion !== '2.6.8') throw new Error(`installed ${done.toVersion}`);
    });
    results[variant].push(r);
    console.log(`${variant.padEnd(11)} run ${n + 1}: worst gap ${r.worstGapMs.toFixed(1)} ms over ${r.seconds.toFixed(2)} s (${r.ticks} ticks)`);
    rmSync(work, { recursive: true, force: true });
  }
}
for (const [variant, rs] of Object.entries(results)) {
  console.log(`${variant.padEnd(11)} worst gap: median ${median(rs.map((r) => r.worstGapMs)).toFixed(1)} ms, max ${Math.max(...rs.map((r) => r.worstGapMs)).toFixed(1)} ms; install median ${median(rs.map((r) => r.seconds)).toFixed(2)} s`);
}
