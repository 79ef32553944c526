// The Windows platform's modules do no work at import time: importing them on Linux loads neither
// koffi nor any DLL (koffi is loaded by the first Win32 call).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

it('importing the win32 platform modules does not load koffi', () => {
  const modules = ['scan-holds.js', 'process-times.js', 'delete-at-reboot.js', 'restart-manager.js'];
  const script = `
    import { createRequire } from 'node:module';
    for (const m of ${JSON.stringify(modules)}) await import(new URL('../src/platform/win32/' + m, ${JSON.stringify(import.meta.url)}).href);
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('koffi'));
    process.stdout.write(JSON.stringify(loaded));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
});
