// One test per attack on the installer, each with a crafted or altered pack (see docs/trust.md):
// every one ends in its exact error code, with the target and a directory beside it unchanged.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, installSync as install, type ErrorCode, type ProgressEvent, type ServicePackError } from '../src/index.js';
import { craftPack, sectionsOf, signatureOf, writeRaw } from './helpers/craft.js';
import { otherKey, testKey, trusted } from './helpers/keys.js';
import { copyOf, expectCode, packFrom } from './helpers/packs.js';
import { cleanupTempDirs, hashTree, makeTree, tempDir, type TreeSpec } from './helpers/tree.js';

const oldSpec: TreeSpec = { bin: { tool: 'tool v1\n' }, 'readme.txt': 'hello\n' };
const newSpec: TreeSpec = { bin: { tool: 'tool v2\n' }, 'readme.txt': 'hello\n' };
const base = { path: 'bin', action: 'keep', new: { type: 'dir' } };

/** A target holding oldSpec, with an `outside` directory beside it that no install may touch. */
function victim(): { target: string; outside: string; before: () => void } {
  const target = copyOf(makeTree(oldSpec));
  const outside = makeTree({ 'victim.txt': 'precious\n' }, join(target, '..', 'outside'));
  const t0 = hashTree(target);
  const o0 = hashTree(outside);
  return { target, outside, before: () => { assert.equal(hashTree(outside), o0, 'outside changed'); assert.equal(hashTree(target), t0, 'target changed'); } };
}

/** Installs `pack` expecting `code`; both trees must be exactly as before. */
function refused<C extends ErrorCode>(code: C, pack: string, opts: object = {}): ServicePackError<C> {
  const v = victim();
  const err = expectCode(code, () => install(pack, { ...trusted, target: v.target, ...opts }));
  v.before();
  return err;
}

describe('attacks', () => {
  after(cleanupTempDirs);

  it('path escape: absolute, "..", backslash, drive letter, .servicepack', async () => {
    for (const path of ['/etc/evil', '../evil', 'bin/../../evil', 'bin\\..\\evil', 'C:/evil', '.servicepack/state.json', '.SERVICEPACK/lock']) {
      const pack = craftPack({ entries: [{ path, action: 'add', new: { type: 'file', content: 'x' } }] });
      assert.equal(refused('PACK_UNSAFE_PATH', pack).details.entry, path);
    }
  });

  it('path escape through a symlink the pack creates (CVE-2021-32803 style), also under case folding', async () => {
    const outside = join(tempDir('escape'), 'dir');
    const viaLink = craftPack({ entries: [
      { path: 'a', action: 'add', new: { type: 'symlink', target: outside } },
      { path: 'a/evil', action: 'add', new: { type: 'file', content: 'x' } },
    ] });
    assert.match(refused('PACK_UNSAFE_PATH', viaLink).details.reason, /parent "a" is not a directory/);
    const viaCase = craftPack({ entries: [
      { path: 'A', action: 'add', new: { type: 'symlink', target: outside } },
      { path: 'a', action: 'add', new: { type: 'dir' } },
      { path: 'a/evil', action: 'add', new: { type: 'file', content: 'x' } },
    ] });
    assert.match(refused('PACK_UNSAFE_PATH', viaCase).details.reason, /collides with "A"/);
    const viaNormalisation = craftPack({ entries: [
      { path: 'cafe\u0301', action: 'add', new: { type: 'symlink', target: outside } },
      { path: 'caf\u00e9', action: 'add', new: { type: 'dir' } },
    ] });
    assert.match(refused('PACK_UNSAFE_PATH', viaNormalisation).details.reason, /Unicode normalisation/);
  });

  it('a symlink already in the target is never written through', async () => {
    const { pack } = await packFrom(oldSpec, newSpec);
    const v = victim();
    renameSync(join(v.target, 'bin'), join(v.outside, 'bin'));
    symlinkSync(join(v.outside, 'bin'), join(v.target, 'bin'));
    const o0 = hashTree(v.outside);
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target: v.target }));
    assert.deepEqual(err.details.mismatches.map((m) => m.path), ['bin']);
    assert.equal(hashTree(v.outside), o0);
  });

  it('a symlinked .servicepack is refused before anything is written through it', async () => {
    const { pack } = await packFrom(oldSpec, newSpec);
    const v = victim();
    symlinkSync(v.outside, join(v.target, '.servicepack'));
    const o0 = hashTree(v.outside);
    const err = expectCode('TARGET_UNSAFE', () => install(pack, { ...trusted, target: v.target }));
    assert.equal(err.details.reason, '".servicepack" is a symlink');
    assert.equal(hashTree(v.outside), o0);
  });

  it('a symlink planted during the install is refused at the step, and the target rolls back', async () => {
    const { pack, oldDir } = await packFrom(oldSpec, newSpec);
    const v = victim();
    mkdirSync(join(v.outside, 'bin'));
    writeFileSync(join(v.outside, 'bin', 'tool'), 'tool v1\n');
    const o0 = hashTree(v.outside);
    const plant = (e: ProgressEvent): void => {
      if (e.type !== 'phase' || e.phase !== 'commit') return;
      renameSync(join(v.target, 'bin'), join(v.target, 'bin.moved'));
      symlinkSync(join(v.outside, 'bin'), join(v.target, 'bin'));
    };
    const err = expectCode('TARGET_UNSAFE', () => install(pack, { ...trusted, target: v.target, onEvent: plant }));
    assert.equal(err.details.path, 'bin/tool');
    assert.equal(err.details.reason, '"bin" is a symlink');
    assert.equal(hashTree(v.outside), o0, 'nothing was written through the planted link');
    assert.equal(readFileSync(join(v.target, 'bin.moved', 'tool'), 'utf8'), 'tool v1\n');
    assert.ok(oldDir);
  });

  it('hard links, devices, FIFOs and sockets cannot be expressed: unknown node types are refused', async () => {
    for (const type of ['hardlink', 'fifo', 'chardev', 'blockdev', 'socket']) {
      const pack = craftPack({ entries: [{ path: 'x', action: 'add', new: { type, target: '/etc/shadow' } }] });
      assert.match(refused('PACK_INVALID', pack).details.reason, new RegExp(`entry "x": the "new" node has unknown type "${type}"`));
    }
  });

  it('a hard link in the target to a file outside it is replaced, never written through', async () => {
    const { pack, newDir } = await packFrom(oldSpec, newSpec);
    const v = victim();
    writeFileSync(join(v.outside, 'linked'), 'tool v1\n');
    const o0 = hashTree(v.outside);
    renameSync(join(v.target, 'bin', 'tool'), join(v.target, 'bin', 'tool.orig'));
    linkSync(join(v.outside, 'linked'), join(v.target, 'bin', 'tool'));
    install(pack, { ...trusted, target: v.target });
    assert.equal(readFileSync(join(v.target, 'bin', 'tool'), 'utf8'), readFileSync(join(newDir, 'bin', 'tool'), 'utf8'));
    assert.equal(hashTree(v.outside), o0);
  });

  it('zip bomb: more content claimed than zstd can expand, and more bytes decoded than declared', async () => {
    const claim = craftPack({ entries: [{ path: 'bomb', action: 'add', new: { type: 'file', content: 'x', size: 2 ** 40 } }] });
    assert.match(refused('PACK_INVALID', claim).details.reason, /entry "bomb": 1099511627776 bytes claimed from \d+ stored bytes exceeds the 32768:1 decompression bound/);
    const zeros = '\0'.repeat(4 * 1024 * 1024);
    // The frame declares its 4 MiB content size, so its window is 4 MiB: more than 1000 bytes may use.
    const longer = craftPack({ entries: [{ path: 'bomb', action: 'add', new: { type: 'file', content: zeros, size: 1000 } }] });
    const err = refused('PACK_CORRUPT', longer);
    assert.deepEqual([err.details.entry, err.details.expected, err.details.actual],
      ['bomb', "a zstd window of at most 1024 bytes (the blob's size, rounded up to a power of two)", 'a frame declaring a larger window']);
    // Within the window bound (3 MiB + 1 rounds up to 4 MiB), decoding stops at the first byte past the declared size.
    const declared = 3 * 1024 * 1024 + 1;
    const decoded = craftPack({ entries: [{ path: 'bomb', action: 'add', new: { type: 'file', content: zeros, size: declared } }] });
    const past = refused('PACK_CORRUPT', decoded);
    assert.deepEqual([past.details.entry, past.details.expected, past.details.actual], ['bomb', `${declared} bytes`, `more than ${declared} bytes`]);
  });

  it('huge declared sizes: payload length and sizes beyond the bounds', async () => {
    const { pack } = await packFrom(oldSpec, newSpec);
    const s = sectionsOf(pack);
    const b = readFileSync(pack);
    b.writeBigUInt64LE(2n ** 53n, 20);
    const out = join(tempDir('huge'), 'huge.svp');
    writeFileSync(out, b);
    assert.equal(refused('PACK_INVALID', out).details.offset, 20);
    const m = JSON.parse(s.manifest.toString());
    m.entries.push(...Array.from({ length: 1 }, () => ({ path: 'zz', action: 'add', new: { type: 'file', sha256: '0'.repeat(64), size: 2 ** 53, mode: 0o644 } })));
    const bytes = Buffer.from(JSON.stringify(m));
    const manifestOut = writeRaw(join(tempDir('huge'), 'm.svp'), bytes, signatureOf(bytes), s.payload);
    assert.match(refused('PACK_INVALID', manifestOut).details.reason, /"size" is not a non-negative integer/);
  });

  it('wrong product, replayed pack, and downgrade', async () => {
    const up = await packFrom(oldSpec, newSpec, { from: '1.0', to: '2.0' });
    const down = await packFrom(newSpec, oldSpec, { from: '2.0', to: '1.5' });
    const target = copyOf(up.oldDir);
    install(up.pack, { ...trusted, target });
    const installed = hashTree(target);
    const otherProduct = await packFrom(newSpec, oldSpec, { product: 'other', from: '2.0', to: '3.0' });
    assert.deepEqual(expectCode('PRODUCT_MISMATCH', () => install(otherProduct.pack, { ...trusted, target })).details.pack, 'other');
    // Replayed: the very pack installed already is "already installed" and changes nothing.
    const replayed = install(up.pack, { ...trusted, target });
    assert.deepEqual([replayed.alreadyInstalled, replayed.actions, replayed.bytesWritten], [true, [], 0]);
    assert.equal(hashTree(target), installed);
    const first = await packFrom(oldSpec, newSpec, { from: '1.0', to: '2.0', unsigned: true });
    assert.equal(expectCode('PACK_UNSIGNED', () => install(first.pack, { target })).code, 'PACK_UNSIGNED', 'admitted before it is recognised');
    const other = await packFrom({ ...oldSpec, 'extra.txt': 'x\n' }, newSpec, { from: '1.0', to: '2.0' });
    expectCode('VERSION_MISMATCH', () => install(other.pack, { ...trusted, target }));
    const err = expectCode('DOWNGRADE', () => install(down.pack, { ...trusted, target }));
    assert.deepEqual([err.details.installed, err.details.pack], ['2.0', '1.5']);
    assert.equal(hashTree(target), installed);
    assert.equal(install(down.pack, { ...trusted, target, allowDowngrade: true }).toVersion, '1.5');
    refused('DOWNGRADE', (await packFrom(oldSpec, newSpec, { from: '1.0', to: '1.0' })).pack);
  });

  it('expired pack', async () => {
    const oldDir = makeTree(oldSpec);
    const out = join(tempDir('exp'), 'e.svp');
    await build({ oldDir, newDir: makeTree(newSpec), out, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, sign: testKey.key, expires: '2020-01-31' });
    const err = refused('PACK_EXPIRED', out);
    assert.equal(err.details.expires, '2020-01-31T23:59:59Z');
    const v = victim();
    assert.equal(install(out, { ...trusted, target: v.target, now: new Date('2020-01-31T23:59:58Z') }).toVersion, '2.0');
  });

  it('mix and match: a payload blob from another pack, a signature from another pack', async () => {
    const a = await packFrom(oldSpec, newSpec);
    const b = await packFrom(oldSpec, { ...newSpec, bin: { tool: 'tool v3\n' } });
    const sa = sectionsOf(a.pack);
    const sb = sectionsOf(b.pack);
    assert.equal(sa.payload.length, sb.payload.length);
    const blobSwapped = writeRaw(join(tempDir('mix'), 'blob.svp'), sa.manifest, sa.signature, sb.payload);
    assert.equal(refused('PACK_CORRUPT', blobSwapped).details.entry, 'bin/tool');
    const sigSwapped = writeRaw(join(tempDir('mix'), 'sig.svp'), sa.manifest, sb.signature, sa.payload);
    assert.match(refused('SIGNATURE_INVALID', sigSwapped).details.reason, /the manifest does not match the signature/);
  });

  it('a manifest altered after signing', async () => {
    const s = sectionsOf((await packFrom(oldSpec, newSpec)).pack);
    const altered = Buffer.from(s.manifest.toString().replace('"toVersion":"2.0"', '"toVersion":"2.1"'));
    const out = writeRaw(join(tempDir('alt'), 'a.svp'), altered, s.signature, s.payload);
    refused('SIGNATURE_INVALID', out);
  });

  it('unsigned: refused by default, installed with allowUnsigned and reported', async () => {
    const { pack } = await packFrom(oldSpec, newSpec, { unsigned: true });
    refused('PACK_UNSIGNED', pack);
    const v = victim();
    const events: ProgressEvent[] = [];
    const done = install(pack, { target: v.target, allowUnsigned: true, onEvent: (e) => events.push(e) });
    assert.deepEqual(done.trust, { signed: false, verified: false, unverifiedReason: 'the pack is not signed' });
    assert.deepEqual(events.filter((e) => e.type === 'warning').map((e) => e.type === 'warning' && e.code), ['PACK_UNVERIFIED']);
  });

  it('wrong key: no key given, another key given, and another key pinned', async () => {
    const { pack } = await packFrom(oldSpec, newSpec);
    const other = otherKey();
    assert.deepEqual(refused('KEY_UNTRUSTED', pack, { trustedKey: [] }).details, { path: pack, keyId: testKey.keyId, trusted: [] });
    assert.deepEqual(refused('KEY_UNTRUSTED', pack, { trustedKey: [other.pub] }).details.trusted, [other.keyId]);
    const signedByOther = craftPack({ signWith: other.key, entries: [base, { path: 'bin/x', action: 'add', new: { type: 'file', content: 'x' } }] });
    const v = victim();
    const first = install(pack, { ...trusted, target: v.target });
    assert.equal(first.pinnedKey, testKey.keyId);
    const pinned = hashTree(v.target);
    const err = expectCode('KEY_UNTRUSTED', () => install(signedByOther, { target: v.target }));
    assert.deepEqual(err.details.trusted, [testKey.keyId]);
    assert.equal(hashTree(v.target), pinned);
  });
});
