#!/usr/bin/env node
// Benchmark: `servicepack sync` of the typescript 5.8.3 -> 5.9.2 pack from a local nginx (Debian's
// nginx-light on 127.0.0.1): a cold sync (empty client cache: root, metadata, channel, key and the pack
// downloaded, TUF-verified, dry-run, installed) onto a fresh copy of 5.8.3 that servicepack never
// managed, then an idempotent second sync (metadata refresh only), each a whole CLI process.
// Usage: apt-get install -y nginx-light time && npm run build && node bench/fleet-sync.mjs [trials=5]
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CACHE, CLI, fetchRelease, median, timed } from './lib.mjs';

const trials = Number(process.argv[2] ?? 5);
const oldRoot = fetchRelease('typescript@5.8.3');
const newRoot = fetchRelease('typescript@5.9.2');
const key = join(CACHE, 'bench-signing');
if (!existsSync(`${key}.key`)) execFileSync(process.execPath, [CLI, 'keygen', '--out', key]);
const pack = join(CACHE, 'typescript-5.8.3-5.9.2.signed.svp');
if (!existsSync(pack)) execFileSync(process.execPath, [CLI, 'build', oldRoot, newRoot, '--out', pack, '--product', 'typescript', '--from-version', '5.8.3', '--to-version', '5.9.2', '--sign', `${key}.key`]);

const work = join(CACHE, 'work-fleet');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const repo = join(work, 'www', 'ts');
const keys = join(work, 'keys');
execFileSync(process.execPath, [CLI, 'repo', 'init', repo, '--keys', keys]);
execFileSync(process.execPath, [CLI, 'publish', pack, '--repo', repo, '--keys', keys, '--pack-key', `${key}.pub`]);
execFileSync(process.execPath, [CLI, 'channel', 'stable', '--repo', repo, '--keys', keys, '--version', '5.9.2']);

const port = 18000 + (process.pid % 1000);
writeFileSync(join(work, 'nginx.conf'), `daemon off; master_process off; pid ${work}/nginx.pid; error_log ${work}/error.log;
events { worker_connections 64; }
http { access_log off; default_type application/octet-stream; client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  server { listen 127.0.0.1:${port}; root ${work}/www; } }
`);
const nginx = spawn('nginx', ['-c', join(work, 'nginx.conf'), '-p', work, '-e', join(work, 'error.log')], { stdio: 'inherit' });
for (let up = false; !up;) {
  up = await new Promise((resolve) => connect(port, '127.0.0.1', function () { this.end(); resolve(true); }).once('error', () => resolve(false)));
  if (!up) await new Promise((r) => setTimeout(r, 50));
}

const cold = [];
const warm = [];
try {
  for (let i = 0; i < trials; i++) {
    const target = join(work, `target-${i}`);
    cpSync(oldRoot, target, { recursive: true });
    const cache = join(work, `cache-${i}`);
    execFileSync('sync');
    const args = [CLI, 'sync', '--target', target, '--repo', `http://127.0.0.1:${port}/ts/`, '--root', join(keys, 'root.json'), '--cache-dir', cache, '--machine-id', 'bench'];
    cold.push(timed(process.execPath, args));
    warm.push(timed(process.execPath, args));
    const version = JSON.parse(execFileSync(process.execPath, [CLI, 'status', '--target', target, '--json'], { encoding: 'utf8' }).trim().split('\n').at(-1)).result.version;
    if (version !== '5.9.2') throw new Error(`trial ${i}: target at ${version}`);
  }
} finally {
  nginx.kill('SIGTERM');
}
const row = (name, runs) => `| ${name} | ${median(runs.map((r) => r.seconds)).toFixed(3)} | ${Math.min(...runs.map((r) => r.seconds)).toFixed(3)} | ${Math.max(...runs.map((r) => r.seconds)).toFixed(3)} | ${Math.round(Math.max(...runs.map((r) => r.rssMiB)))} |`;
console.log(`pack ${statSync(pack).size} bytes, ${trials} trials`);
console.log('| sync | median s | min s | max s | peak RSS MiB |\n|---|---|---|---|---|');
console.log(row('cold: metadata + download + install 5.8.3 -> 5.9.2', cold));
console.log(row('second sync: nothing to do', warm));
