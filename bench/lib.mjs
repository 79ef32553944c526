// Shared helpers of the benchmark scripts: fetching release pairs with `npm pack` into a cache outside
// the repository, running a command under /usr/bin/time for wall time and peak RSS, hashing trees.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const CACHE = process.env.SERVICEPACK_BENCH_CACHE ?? '/tmp/servicepack-bench-cache';
/** The CLI under test; SERVICEPACK_CLI points at a frozen build so a rebuild cannot change it mid-run. */
export const CLI = process.env.SERVICEPACK_CLI ?? new URL('../dist/bundle/servicepack.js', import.meta.url).pathname;

/** The extracted `package/` tree of an npm spec such as `typescript@5.9.2`, fetched once into CACHE. */
export function fetchRelease(spec) {
  mkdirSync(CACHE, { recursive: true });
  const base = spec.replace(/^@/, '').replace('/', '-').replace('@', '-');
  const dir = join(CACHE, base);
  if (!existsSync(join(dir, 'package'))) {
    const tgz = join(CACHE, `${base}.tgz`);
    if (!existsSync(tgz)) execFileSync('npm', ['pack', '--silent', '--pack-destination', CACHE, spec], { stdio: ['ignore', 'ignore', 'inherit'] });
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', tgz, '-C', dir]);
  }
  return join(dir, 'package');
}

/** Runs `cmd args` under /usr/bin/time: { seconds (wall), rssMiB (peak resident set) }. Throws on failure. */
export function timed(cmd, args, opts = {}) {
  const out = join(CACHE, `.time-${process.pid}`);
  const started = process.hrtime.bigint();
  execFileSync('/usr/bin/time', ['-f', '%M', '-o', out, cmd, ...args], { stdio: ['ignore', 'ignore', 'inherit'], ...opts });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKiB = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
  rmSync(out, { force: true });
  return { seconds, rssMiB: rssKiB / 1024 };
}

export const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Relative paths of the regular files under `root`, sorted. */
export function filesOf(root, rel = '') {
  const out = [];
  for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) out.push(...filesOf(root, p));
    else if (d.isFile()) out.push(p);
  }
  return out.sort();
}

/** Files present in both trees whose content differs. */
export function changedFiles(oldRoot, newRoot) {
  const old = new Set(filesOf(oldRoot));
  return filesOf(newRoot).filter((p) => old.has(p) && sha256(join(oldRoot, p)) !== sha256(join(newRoot, p)));
}

export const sizeOf = (p) => lstatSync(p).size;

/** The median of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
