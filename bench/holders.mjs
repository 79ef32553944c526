#!/usr/bin/env node
// bench/holders: the same files held by N sleeping processes (half run a copied executable from the
// target, so they map it; half have a data file open), scanned by `servicepack holders`, `fuser` and
// `lsof`, alternated in one run; `library` is the same scan called in-process (no Node start-up; the
// native scan, on a second thread too when a CPU is spare), `js-1t` and `js-2t` the JavaScript scan
// on one thread and on two; `fuser -v` also reads each holder's user and command, as servicepack does.
// Prints medians and ratios, and the CPU pressure (PSI) before and after. Every process it starts is
// killed at the end.
// NODE_EXTRA_CA_CERTS makes Node 20 read and parse that file at every start (nodejs/node#40524): when
// it is set, `servicepack` runs without it and `servicepack +CA` with it (docs/benchmarks.md).
// Usage: npm run build && node bench/holders.mjs [processes=2000] [rounds=7]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const count = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 7);
const cli = new URL('../dist/bundle/servicepack.js', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'servicepack-bench-holders-'));
const target = join(work, 'app');
mkdirSync(join(target, 'bin'), { recursive: true });
copyFileSync('/bin/sleep', join(target, 'bin/tool'));
chmodSync(join(target, 'bin/tool'), 0o755);
writeFileSync(join(target, 'data.bin'), 'x'.repeat(4096));

// One shell forks every holder into its own process group, so one kill reaches them all.
const half = Math.floor(count / 2);
const script = `i=0; while [ $i -lt ${half} ]; do "$1/bin/tool" 3600 </dev/null >/dev/null 2>&1 & i=$((i+1)); done
i=0; while [ $i -lt ${count - half} ]; do sleep 3600 3<"$1/data.bin" </dev/null >/dev/null 2>&1 & i=$((i+1)); done
echo ready; wait`;
const group = spawn('sh', ['-c', script, 'sh', target], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
const killAll = () => {
  try {
    process.kill(-group.pid, 'SIGKILL');
  } catch {}
};
process.on('exit', () => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

try {
  await new Promise((resolve, reject) => {
    group.stdout.on('data', (c) => c.toString().includes('ready') && resolve());
    group.once('exit', () => reject(new Error('holder group exited early')));
  });
  await new Promise((r) => setTimeout(r, 1000)); // let the last ones exec

  const files = [join(target, 'bin/tool'), join(target, 'data.bin')];
  const lib = await import(new URL('../dist/src/index.js', import.meta.url).pathname);
  const { findHolders } = await import(new URL('../dist/src/inuse/find-holders.js', import.meta.url).pathname);
  const { targetFiles } = await import(new URL('../dist/src/inuse/target-files.js', import.meta.url).pathname);
  const { selectPlatform } = await import(new URL('../dist/src/platform/index.js', import.meta.url).pathname);
  const { hasNativeScan } = await import(new URL('../dist/src/platform/linux/native-scan.js', import.meta.url).pathname);
  const platform = selectPlatform();
  const javascript = { ...platform, scanHolds: (f, p, o) => platform.scanHolds(f, p, { ...o, native: false }) };
  const { NODE_EXTRA_CA_CERTS: extraCa, ...cleanEnv } = process.env;
  const cliRun = (env) => () => JSON.parse(execFileSync(process.execPath, [cli, 'holders', '--target', target, '--json'], { env }).toString().trim().split('\n').at(-1)).result.holders.length;
  const tools = {
    library: () => lib.holdersSync({ target }).holders.length,
    'js-1t': () => findHolders(javascript, targetFiles(target, ['']), { secondThread: 'off' }).holders.length,
    'js-2t': () => findHolders(javascript, targetFiles(target, ['']), { secondThread: 'on' }).holders.length,
    servicepack: cliRun(cleanEnv),
    ...(extraCa === undefined ? {} : { 'servicepack +CA': cliRun(process.env) }),
    fuser: () => spawnSync('fuser', files, { encoding: 'utf8' }).stdout.trim().split(/\s+/).filter(Boolean).length,
    // -v adds user, access kind and command per holder: closer to what servicepack reports.
    // (fuser prints the pids on stdout and the rest of each line on stderr.)
    'fuser -v': () => spawnSync('fuser', ['-v', ...files], { encoding: 'utf8' }).stdout.trim().split(/\s+/).filter(Boolean).length,
    lsof: () => spawnSync('lsof', ['-w', ...files], { encoding: 'utf8' }).stdout.trim().split('\n').length - 1,
  };
  const pressure = () => (existsSync('/proc/pressure/cpu') ? readFileSync('/proc/pressure/cpu', 'latin1').split('\n')[0] : 'no PSI');
  const before = pressure();
  const times = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  const found = {};
  const names = Object.keys(tools);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const t0 = process.hrtime.bigint();
      found[name] = tools[name]();
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(times.fuser);
  console.log(`${count} holder processes, ${rounds} rounds, ${new Date().toISOString()}, node ${process.version}`);
  console.log(`cpu pressure before: ${before}; after: ${pressure()}`);
  console.log(`native scan: ${hasNativeScan() ? 'built' : 'NOT built'}; NODE_EXTRA_CA_CERTS ${extraCa === undefined ? 'unset' : 'set'}`);
  for (const name of names) {
    console.log(`${name.padEnd(15)} median ${median(times[name]).toFixed(1).padStart(7)} ms  (${(median(times[name]) / base).toFixed(2)}x fuser)  found ${found[name]}`);
  }
} finally {
  killAll();
}
