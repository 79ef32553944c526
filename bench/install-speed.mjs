#!/usr/bin/env node
// Benchmark 2: installing the typescript 5.8.3 -> 5.9.2 service pack onto a live tree (a running process
// has the package loaded and a file open), against the physical floor (bench/floor.mjs), `dpkg -i` of
// equivalent .deb packages (zstd-compressed, dpkg's fsync on, in a private --root), and
// `rsync --delay-updates`, side by side, interleaved, each on a fresh copy of the old tree. servicepack
// installs onto a managed 5.8.3 (its tree's record made once, by an earlier install, as dpkg's target
// has its database), and, for comparison, onto an unmanaged copy (its first install hashes the tree once).
// Usage: npm run build && node bench/install-speed.mjs [trials=5]   (SERVICEPACK_CLI_B=other/main.js adds a second build)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, CLI, changedFiles, fetchRelease, filesOf, median, sha256, timed } from './lib.mjs';

const trials = Number(process.argv[2] ?? 5);
const oldRoot = fetchRelease('typescript@5.8.3');
const newRoot = fetchRelease('typescript@5.9.2');
const work = join(CACHE, 'work-install');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// The pack is signed like a real one and installed with its public key trusted, so the install pays for
// the signature check as users do.
const key = join(CACHE, 'bench-signing');
if (!existsSync(`${key}.key`)) execFileSync(process.execPath, [CLI, 'keygen', '--out', key]);
const pack = join(CACHE, 'typescript-5.8.3-5.9.2.format3.signed.svp');
if (!existsSync(pack)) execFileSync(process.execPath, [CLI, 'build', oldRoot, newRoot, '--out', pack, '--product', 'typescript', '--from-version', '5.8.3', '--to-version', '5.9.2', '--sign', `${key}.key`]);
// The managed 5.8.3: a seed pack ("5.8.2": 5.8.3 without one file -> 5.8.3) installed once into a template.
const seedDir = join(CACHE, 'typescript-5.8.3-seed');
if (!existsSync(seedDir)) {
  cpSync(oldRoot, seedDir, { recursive: true });
  rmSync(join(seedDir, 'LICENSE.txt'));
}
const seedPack = join(CACHE, 'typescript-seed-5.8.3.signed.svp');
if (!existsSync(seedPack)) execFileSync(process.execPath, [CLI, 'build', seedDir, oldRoot, '--out', seedPack, '--product', 'typescript', '--from-version', '5.8.2', '--to-version', '5.8.3', '--sign', `${key}.key`]);
const managedTemplate = join(work, 'managed-template');
cpSync(seedDir, managedTemplate, { recursive: true });
execFileSync(process.execPath, [CLI, 'install', seedPack, '--target', managedTemplate, '--trusted-key', `${key}.pub`], { stdio: 'ignore' });
const oldFiles = new Set(filesOf(oldRoot));
const newFiles = filesOf(newRoot);
const plan = { write: [...changedFiles(oldRoot, newRoot), ...newFiles.filter((p) => !oldFiles.has(p))], remove: [...oldFiles].filter((p) => !newFiles.includes(p)) };
const planPath = join(work, 'plan.json');
writeFileSync(planPath, JSON.stringify(plan));
const debs = { old: deb('5.8.3', oldRoot), new: deb('5.9.2', newRoot) };

function deb(version, root) {
  const out = join(CACHE, `bench-typescript_${version}_all.deb`);
  if (existsSync(out)) return out;
  const stage = join(work, `deb-${version}`);
  cpSync(root, join(stage, 'opt/typescript'), { recursive: true });
  mkdirSync(join(stage, 'DEBIAN'));
  writeFileSync(join(stage, 'DEBIAN/control'), `Package: bench-typescript\nVersion: ${version}\nArchitecture: all\nMaintainer: bench <bench@localhost>\nDescription: typescript ${version} for the install benchmark\n`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zzstd', '-z19', '--build', stage, out], { stdio: 'ignore' });
  rmSync(stage, { recursive: true });
  return out;
}

/** A running process that has the tree's compiler loaded and one of its files open: the tree is live. */
async function liveHolder(tree) {
  const script = `const fs=require('fs');require(${JSON.stringify(join(tree, 'lib/typescript.js'))});fs.openSync(${JSON.stringify(join(tree, 'lib/tsc.js'))},'r');console.log('ready');setInterval(()=>{},1e6)`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return child;
}

/** A fresh copy of the old tree (for dpkg: a private root with the old .deb installed), flushed to disk. */
function freshTarget(kind, n) {
  const dir = join(work, `${kind}-${n}`);
  if (kind === 'dpkg') {
    const admin = join(dir, 'var/lib/dpkg');
    for (const d of ['info', 'updates', 'triggers']) mkdirSync(join(admin, d), { recursive: true });
    writeFileSync(join(admin, 'status'), '');
    execFileSync('dpkg', dpkgArgs(dir, debs.old), { stdio: 'ignore' });
  } else if (kind === 'managed') {
    execFileSync('cp', ['-a', managedTemplate, dir]);
  } else {
    cpSync(oldRoot, dir, { recursive: true });
  }
  execFileSync('sync');
  return { dir, tree: kind === 'dpkg' ? join(dir, 'opt/typescript') : dir };
}

// --root makes dpkg use ROOT/var/lib/dpkg as its database: the host's is never read or written.
const dpkgArgs = (root, debPath) => [`--root=${root}`, `--log=${join(root, 'dpkg.log')}`, '--force-not-root', '-i', debPath];

const installWith = (cli) => (t) => timed(process.execPath, [cli, 'install', pack, '--target', t.tree, '--trusted-key', `${key}.pub`]);
const methods = {
  servicepack: installWith(CLI),
  // A/B: SERVICEPACK_CLI_B names a second build (e.g. a frozen copy of an earlier commit) run alongside.
  ...(process.env.SERVICEPACK_CLI_B === undefined ? {} : { 'servicepack (B)': installWith(process.env.SERVICEPACK_CLI_B) }),
  'servicepack, first install (unmanaged)': installWith(CLI),
  floor: (t) => timed(process.execPath, [join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'floor.mjs'), newRoot, t.tree, planPath]),
  'dpkg -i': (t) => timed('dpkg', dpkgArgs(t.dir, debs.new)),
  // rsync only where it is installed (apt-get install -y rsync).
  ...(spawnSync('rsync', ['--version']).status !== 0 ? {} : {
    'rsync --delay-updates': (t) => timed('rsync', ['-a', '--checksum', '--delete', '--delay-updates', `${newRoot}/`, `${t.tree}/`]),
    'rsync --delay-updates --fsync': (t) => timed('rsync', ['-a', '--checksum', '--delete', '--delay-updates', '--fsync', `${newRoot}/`, `${t.tree}/`]),
  }),
};
// The holder scans read /proc for every process: their cost, and so servicepack's, grows with the count.
const processCount = () => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
const processesBefore = processCount();
const results = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
for (let n = 0; n < trials; n++) {
  for (const [name, run] of Object.entries(methods)) {
    const kind = name === 'dpkg -i' ? 'dpkg' : name.startsWith('servicepack') && !name.includes('unmanaged') ? 'managed' : 'tree';
    const t = freshTarget(kind, `${n}-${name.replace(/\W+/g, '_')}`);
    const holder = await liveHolder(t.tree);
    try {
      results[name].push(run(t));
    } finally {
      holder.kill('SIGKILL');
    }
    if (name !== 'floor') for (const rel of plan.write) if (sha256(join(t.tree, rel)) !== sha256(join(newRoot, rel))) throw new Error(`${name} left ${rel} wrong`);
    rmSync(t.dir, { recursive: true, force: true });
  }
}
const floor = median(results.floor.map((r) => r.seconds));
const bytes = plan.write.reduce((s, p) => s + execFileSync('stat', ['-c', '%s', join(newRoot, p)], { encoding: 'utf8' }) * 1, 0);
console.log(`typescript 5.8.3 -> 5.9.2: ${plan.write.length} files written (${(bytes / 1e6).toFixed(1)} MB), ${plan.remove.length} removed; ${trials} trials, median wall time of the whole process; ${processesBefore} processes running at the start, ${processCount()} at the end`);
console.log('| method | median s | min s | max s | × floor | peak RSS MiB |');
console.log('|---|---|---|---|---|---|');
for (const [name, rs] of Object.entries(results)) {
  const s = rs.map((r) => r.seconds);
  console.log(`| ${name} | ${median(s).toFixed(3)} | ${Math.min(...s).toFixed(3)} | ${Math.max(...s).toFixed(3)} | ${(median(s) / floor).toFixed(2)} | ${Math.max(...rs.map((r) => r.rssMiB)).toFixed(0)} |`);
}
rmSync(work, { recursive: true, force: true });
