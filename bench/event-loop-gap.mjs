#!/usr/bin/env node
// The caller's event loop during an install of the biome pack (@biomejs/cli-linux-x64 2.6.7 -> 2.6.8,
// one 100 MB binary changed, a zstd-patch delta): a 5 ms interval timer runs meanwhile, and the longest
// gap between two of its ticks is reported, for installSync (the transaction on the calling thread) and
// for install (the Promise API: the transaction on a worker thread), and, as the control, for no work
// at all during as long as an install took (what the machine's load alone does to the timer); gaps over
// 50 ms are listed with the last progress event before them. The calling thread's own CPU time during
// the call is reported too (/proc/self/task/PID/stat, 10 ms ticks): no stall of its event loop can be
// longer than the CPU work it did, whatever the machine's load adds while it waits for a core. Each measurement runs in a fresh process
// (garbage one variant left would be collected during the next). `node bench/event-loop-gap.mjs [runs]`
// after `npm run build`; the pack is built once into the bench cache (level 19, unsigned). On a shared
// machine, run it with a higher priority (`nice -n -15`): the timer measures the caller's thread, not
// the queue for the CPU (the idle control shows what is left of that).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE, fetchRelease, median } from './lib.mjs';

const lib = await import(new URL('../dist/src/index.js', import.meta.url).pathname);
const one = process.argv[2] === '--one' ? process.argv[3] : undefined;
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
import { readFileSync } from 'node:fs';
/** CPU time (ms) the main thread has used: utime + stime of /proc/self/task/<pid>/stat, in 10 ms ticks. */
function mainThreadCpuMs() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

let lastEvent = 'start';
async function withTimer(work) {
  const cpuBefore = mainThreadCpuMs();
  let last = performance.now();
  let worst = 0;
  let ticks = 0;
  const long = [];
  lastEvent = 'start';
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > 50) long.push(`${(now - last).toFixed(0)} ms after ${lastEvent}`);
    worst = Math.max(worst, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const mainCpuMs = mainThreadCpuMs() - cpuBefore;
  // Let the timer tick once after a synchronous call, so the gap it blocked is counted.
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(timer);
  return { worstGapMs: worst, ticks, seconds, long, mainCpuMs };
}

const onEvent = (e) => {
  lastEvent = e.type === 'phase' ? `phase ${e.phase}` : e.type;
};

/** One measurement of `variant` in this process. */
async function measure(variant) {
  if (variant === 'idle') return withTimer(() => new Promise((r) => setTimeout(r, 8000)));
  const work = mkdtempSync(join(tmpdir(), 'servicepack-gap-'));
  const target = join(work, 'biome');
  cpSync(oldRoot, target, { recursive: true });
  try {
    return await withTimer(async () => {
      const done = await lib[variant](pack, { target, allowUnsigned: true, onEvent });
      if (done.toVersion !== '2.6.8') throw new Error(`installed ${done.toVersion}`);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (one !== undefined) {
  console.log(JSON.stringify(await measure(one)));
} else {
  const results = { idle: [], installSync: [], install: [] };
  for (let n = 0; n < runs; n++) {
    for (const variant of Object.keys(results)) {
      const r = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--one', variant], { encoding: 'utf8' }));
      results[variant].push(r);
      console.log(`${variant.padEnd(11)} run ${n + 1}: worst gap ${r.worstGapMs.toFixed(1)} ms over ${r.seconds.toFixed(2)} s (${r.ticks} ticks), main thread CPU ${r.mainCpuMs} ms${r.long.length > 0 ? `; over 50 ms: ${r.long.join(', ')}` : ''}`);
    }
  }
  for (const [variant, rs] of Object.entries(results)) {
    console.log(`${variant.padEnd(11)} worst gap: median ${median(rs.map((r) => r.worstGapMs)).toFixed(1)} ms, max ${Math.max(...rs.map((r) => r.worstGapMs)).toFixed(1)} ms; main thread CPU median ${median(rs.map((r) => r.mainCpuMs))} ms; median ${median(rs.map((r) => r.seconds)).toFixed(2)} s`);
  }
}
