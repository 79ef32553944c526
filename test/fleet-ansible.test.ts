// The example Ansible play (docs/fleet/sync-play.yml) run by Debian's ansible-core against three local
// targets with `serial`: every target ends at the channel's version, and a second run reports no change.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { statusSync as status } from '../src/index.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { buildPacks, makeRepo, targetAt, type Packs } from './helpers/fleet.js';
import { cleanupTempDirs, tempDir } from './helpers/tree.js';
import { needs } from './helpers/tools.js';

const PLAY = fileURLToPath(new URL('../../docs/fleet/sync-play.yml', import.meta.url));

describe('the example Ansible play', { skip: needs('ansible-playbook') }, () => {
  let fx: Packs;
  before(async () => {
    fx = await buildPacks();
  });
  after(() => cleanupTempDirs());

  it('updates three local targets, serial 1, then reports nothing changed', async () => {
    const repo = await makeRepo(tempDir('fleet-web'), 'repo', [fx.packs['1.0->2.0']!, fx.packs['2.0->3.0']!], '3.0');
    const targets = ['a', 'b', 'c'].map(() => targetAt(fx.trees, '1.0'));
    const dir = tempDir('ansible');
    const inventory = join(dir, 'hosts.ini');
    writeFileSync(inventory, `[fleet]\n${targets.map((t, i) => `host${i} ansible_connection=local ansible_python_interpreter=/usr/bin/python3 servicepack_target=${t} servicepack_machine_id=host${i}`).join('\n')}\n`);
    const run = () => execFileSync('ansible-playbook', ['-i', inventory, PLAY, '-e', JSON.stringify({
      servicepack: `${process.execPath} ${CLI_PATH}`, servicepack_repo: repo.dir, servicepack_root: repo.root, servicepack_cache: join(dir, 'cache'),
    })], { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_HOME: join(dir, 'home') } });
    const first = run();
    for (const t of targets) assert.equal(status({ target: t }).version, '3.0');
    assert.match(first, /changed=1\s+unreachable=0\s+failed=0/);
    // serial: 1 runs the hosts one at a time, one play batch each.
    assert.equal((first.match(/^PLAY \[/gm) ?? []).length, 3);
    assert.match(run(), /ok=\d+\s+changed=0\s+unreachable=0\s+failed=0/);
  });
});
