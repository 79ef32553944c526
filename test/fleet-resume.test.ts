// The operator's commands end to end (repo init, publish, channel, sync --json), and a download killed
// with SIGKILL and resumed: the partial file survives, the second sync asks nginx for the rest (206 in
// its log) and installs; the target was untouched in between.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from './helpers/cli-path.js';
import { testKey, treeOf } from './helpers/packs.js';
import { buildPacks, targetAt, type Packs } from './helpers/fleet.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, describeTree, hashTree, tempDir } from './helpers/tree.js';

const cli = (args: string[]): string => execFileSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });

/** The last line of --json output: the result object. */
const resultOf = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { ok: boolean; exitCode: number; result: { changed: boolean; version: string; links: { resumedFrom: number; received: number }[] } };

function partFiles(cache: string): { file: string; size: number }[] {
  const out: { file: string; size: number }[] = [];
  for (const d of readdirSync(cache)) {
    const downloads = join(cache, d, 'downloads');
    let names: string[] = [];
    try {
      names = readdirSync(downloads);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.part')) out.push({ file: join(downloads, n), size: statSync(join(downloads, n)).size });
  }
  return out;
}

describe('sync through the CLI', { skip: needs('nginx') }, () => {
  let fx: Packs;
  let web: string;
  let nginx: Nginx;
  before(async () => {
    fx = await buildPacks();
    web = tempDir('fleet-web');
    nginx = await startNginx(web);
  });
  after(async () => {
    await nginx?.stop();
    cleanupTempDirs();
  });

  it('a download killed with SIGKILL resumes with HTTP Range (nginx logs 206) and installs', async () => {
    const repo = join(web, 'r');
    const keys = join(tempDir('fleet-keys'), 'keys');
    cli(['repo', 'init', repo, '--keys', keys]);
    cli(['publish', fx.packs['1.0->2.0']!, fx.packs['2.0->3.0']!, '--repo', repo, '--keys', keys, '--pack-key', testKey.pub]);
    cli(['channel', 'stable', '--repo', repo, '--keys', keys, '--version', '3.0']);
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    const cache = tempDir('fleet-cache');
    const args = [CLI_PATH, 'sync', '--target', target, '--repo', `${nginx.url}r/`, '--root', join(keys, 'root.json'), '--cache-dir', cache, '--machine-id', 'm', '--json'];
    const child = spawn(process.execPath, [...args, '--max-rate', '256k'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!partFiles(cache).some((p) => p.size > 200_000)) {
      assert.ok(Date.now() < deadline, 'no partial download appeared within 60 s');
      assert.equal(child.exitCode, null, 'sync ended before it was killed');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    const part = partFiles(cache)[0]!;
    assert.ok(part.size > 200_000 && part.size < 1_000_000, `partial file of ${part.size} bytes`);
    assert.equal(hashTree(target), h, 'the target changed before the download finished');
    const r = resultOf(cli(args.slice(1)));
    assert.equal(r.ok, true);
    assert.equal(r.result.version, '3.0');
    const resumed = r.result.links.find((l) => l.resumedFrom > 0);
    assert.ok(resumed !== undefined && resumed.resumedFrom >= part.size, JSON.stringify(r.result.links));
    assert.match(nginx.accessLog(), /GET \/r\/targets\/packs\/[0-9a-f]{64}\.acme_2\.0_3\.0\.svp HTTP\/1\.1" 206 /);
    assert.deepEqual(treeOf(target), describeTree(fx.trees['3.0']!));
    assert.equal(resultOf(cli(args.slice(1))).result.changed, false);
  });

  it('goes through the HTTP proxy HTTP_PROXY names (Debian\'s tinyproxy)', { skip: needs('tinyproxy') }, async () => {
    const repo = join(web, 'proxied');
    const keys = join(tempDir('fleet-keys'), 'keys');
    cli(['repo', 'init', repo, '--keys', keys]);
    cli(['publish', fx.packs['1.0->2.0']!, '--repo', repo, '--keys', keys, '--pack-key', testKey.pub]);
    cli(['channel', 'stable', '--repo', repo, '--keys', keys, '--version', '2.0']);
    // tinyproxy drops root for nobody: its directory must be writable by it.
    const dir = tempDir('tinyproxy');
    chmodSync(dir, 0o777);
    const port = 20000 + (process.pid % 20000);
    writeFileSync(join(dir, 'tp.conf'), `Port ${port}\nListen 127.0.0.1\nTimeout 30\nLogFile "${dir}/tinyproxy.log"\nLogLevel Info\nAllow 127.0.0.1\nUser nobody\nGroup nogroup\nPidFile "${dir}/tp.pid"\n`);
    const proxy = spawn('tinyproxy', ['-d', '-c', join(dir, 'tp.conf')], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const target = targetAt(fx.trees, '1.0');
      const out = execFileSync(process.execPath, [CLI_PATH, 'sync', '--target', target, '--repo', `${nginx.url}proxied/`, '--root', join(keys, 'root.json'), '--cache-dir', tempDir('fleet-cache'), '--machine-id', 'm', '--json'], {
        encoding: 'utf8', env: { ...process.env, HTTP_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '' },
      });
      assert.equal(resultOf(out).result.version, '2.0');
      const log = readFileSync(join(dir, 'tinyproxy.log'), 'utf8');
      assert.match(log, /GET http:\/\/127\.0\.0\.1:\d+\/proxied\/metadata\/timestamp\.json/);
      assert.match(log, /GET http:\/\/127\.0\.0\.1:\d+\/proxied\/targets\/packs\//);
    } finally {
      proxy.kill('SIGTERM');
    }
  });
});
