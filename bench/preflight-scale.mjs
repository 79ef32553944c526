#!/usr/bin/env node
// Benchmark: time and peak memory of the planning work at the format's bounds. `entries:N` is
// `install --dry-run` (pack check, preflight, plan) of an unsigned pack adding N directories (the most
// entries a 64 MiB manifest holds is about 1,000,000 of these); `depth:D` is a real install of a pack
// adding a chain of D nested directories with a symlink in each (the deepest path is 2 x D + 1 bytes,
// within the 4096-byte path bound up to D = 2047), run from inside the target so that every path stays
// within PATH_MAX. Each case runs in a fresh process under /usr/bin/time, which reports its wall time,
// CPU time (user + system: what to compare on a loaded machine) and peak RSS; a case that uses more
// than the CPU limit is stopped by the kernel (ulimit -t).
// Usage: npm run build && node bench/preflight-scale.mjs [case...]
//        (cases: entries:10000 entries:100000 entries:1000000 depth:512 depth:1024 depth:2047, the default;
//         SERVICEPACK_DIST=/other/dist measures another build; SERVICEPACK_BENCH_CPU_LIMIT=seconds, default 300)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE } from './lib.mjs';

const DIST = process.env.SERVICEPACK_DIST ?? fileURLToPath(new URL('../dist', import.meta.url));
const CPU_LIMIT_S = Number(process.env.SERVICEPACK_BENCH_CPU_LIMIT ?? 300);

/** Writes an unsigned pack whose manifest holds `entries` (already sorted) and no blobs. */
async function writePack(file, entries) {
  const { encodeHeader } = await import(join(DIST, 'src/format/index.js'));
  const manifest = Buffer.from(JSON.stringify({ format: 1, product: 'bench', fromVersion: '1.0', toVersion: '2.0', entries, blobs: [] }));
  writeFileSync(file, Buffer.concat([encodeHeader({ manifestLength: manifest.length, signatureLength: 0, payloadLength: 0 }), manifest]));
  return manifest.length;
}

/** N added directories: 1,000 top-level ones, the rest spread below them. */
function manyEntries(n) {
  const top = Math.min(1000, n);
  const entries = [];
  for (let i = 0; i < top; i++) {
    const dir = `d${String(i).padStart(3, '0')}`;
    entries.push({ path: dir, action: 'add', new: { type: 'dir' } });
    const below = Math.floor((n - top) / top) + (i < (n - top) % top ? 1 : 0);
    for (let j = 0; j < below; j++) entries.push({ path: `${dir}/${j.toString(36).padStart(4, '0')}`, action: 'add', new: { type: 'dir' } });
  }
  return entries;
}

/** A chain a/a/.../a of `depth` directories with a symlink `l` in each. */
function chainEntries(depth) {
  const entries = [];
  let dir = '';
  for (let d = 0; d < depth; d++) {
    dir = dir === '' ? 'a' : `${dir}/a`;
    entries.push({ path: dir, action: 'add', new: { type: 'dir' } });
  }
  // Sorted by bytes: 'a/a' < 'a/a/a' < ... < 'a/a/l' ... so list every directory, then the links deepest first.
  const links = [];
  for (let d = depth, p = dir; d >= 1; d--, p = p.slice(0, -2)) links.push({ path: `${p}/l`, action: 'add', new: { type: 'symlink', target: 'x' } });
  return [...entries, ...links].sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)));
}

async function child(kind, n) {
  const { installSync: install } = await import(join(DIST, 'src/index.js'));
  const work = join(CACHE, `scale-${kind}-${n}-${process.pid}`);
  execFileSync('rm', ['-rf', work]);
  mkdirSync(join(work, 't'), { recursive: true });
  const pack = join(work, 'p.svp');
  const manifestBytes = await writePack(pack, kind === 'entries' ? manyEntries(n) : chainEntries(n));
  const started = process.hrtime.bigint();
  let result;
  if (kind === 'entries') {
    result = install(pack, { target: join(work, 't'), dryRun: true, allowUnsigned: true });
  } else {
    process.chdir(join(work, 't'));
    result = install(pack, { target: '.', allowUnsigned: true });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.chdir(CACHE);
  // rm(1): Node's recursive rmSync overflows its stack on a tree 2,047 directories deep.
  execFileSync('rm', ['-rf', work]);
  console.log(JSON.stringify({ seconds, manifestBytes, actions: result.actions.length }));
}

function run(c) {
  const [kind, n] = c.split(':');
  const out = join(CACHE, `.scale-time-${process.pid}`);
  const self = fileURLToPath(import.meta.url);
  try {
    const stdout = execFileSync('sh', ['-c', `ulimit -t ${CPU_LIMIT_S}; exec /usr/bin/time -f '%M %U %S' -o "$0" "$@"`, out, process.execPath, self, '--child', kind, n], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
    });
    const r = JSON.parse(stdout.trim().split('\n').at(-1));
    const [rssKiB, user, sys] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    const cpu = user + sys;
    return `| ${c} | ${r.actions} | ${(r.manifestBytes / 2 ** 20).toFixed(1)} MiB | ${r.seconds.toFixed(2)} s | ${cpu.toFixed(2)} s | ${(rssKiB / 1024).toFixed(0)} MiB |`;
  } catch (err) {
    const timeOut = readFileSync(out, 'utf8');
    if (/signal (9|24)\b/.test(timeOut)) return `| ${c} | | | | stopped at the ${CPU_LIMIT_S} s CPU limit | |`;
    throw err;
  } finally {
    rmSync(out, { force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  mkdirSync(CACHE, { recursive: true });
  const cases = process.argv.length > 2 ? process.argv.slice(2) : ['entries:10000', 'entries:100000', 'entries:1000000', 'depth:512', 'depth:1024', 'depth:2047'];
  console.log(`${DIST}\n| case | actions | manifest | wall time (work only) | CPU time (whole process) | peak RSS |\n|---|---|---|---|---|---|`);
  for (const c of cases) console.log(run(c));
}
