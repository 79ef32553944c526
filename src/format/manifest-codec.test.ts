// Unit tests of the manifest codec: canonical round trip and every validation rule with its exact code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isServicePackError } from '../errors/index.js';
import type { ErrorCode } from '../errors/index.js';
import type { Manifest } from './manifest.js';
import { decodeManifest, encodeManifest } from './manifest-codec.js';
import { HEALTH_SINCE_FORMAT } from './manifest-parse.js';

const H = (c: string): string => c.repeat(64);

function sample(): Manifest {
  return {
    format: 1,
    product: 'exchange',
    fromVersion: '5.5',
    toVersion: '5.5-sp4',
    entries: [
      { path: 'BIN', action: 'keep', new: { type: 'dir', mode: 0o755 } },
      {
        path: 'BIN/Mdbperf.dll',
        action: 'change',
        old: { type: 'file', sha256: H('a'), size: 16048, mode: 0o755 },
        new: { type: 'file', sha256: H('b'), size: 16112, mode: 0o755 },
        blob: 0,
      },
      { path: 'BIN/copy.dll', action: 'add', new: { type: 'file', sha256: H('b'), size: 16112, mode: 0o644 }, blob: 0 },
      { path: 'BIN/new-tool', action: 'add', new: { type: 'symlink', target: 'perfhost' } },
      { path: 'BIN/retired.dll', action: 'remove', old: { type: 'file', sha256: H('c'), size: 10, mode: 0o644 } },
      { path: 'DATA', action: 'change', old: { type: 'file', sha256: H('d'), size: 3, mode: 0o644 }, new: { type: 'dir', mode: 0o755 } },
      { path: 'DATA/x', action: 'add', new: { type: 'file', sha256: H('e'), size: 0, mode: 0o644 }, blob: 1 },
      { path: 'OLD', action: 'remove', old: { type: 'dir', mode: 0o755 } },
      { path: 'OLD/y', action: 'remove', old: { type: 'symlink', target: '../BIN' } },
    ],
    blobs: [
      { offset: 0, storedSize: 5210, storedSha256: H('1'), encoding: 'zstd', size: 16112, sha256: H('b') },
      { offset: 5210, storedSize: 9, storedSha256: H('2'), encoding: 'zstd', size: 0, sha256: H('e') },
    ],
  };
}

/** Encodes a JSON value the way a hostile or buggy writer might: canonical JSON.stringify of whatever it is given. */
function raw(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function edited(edit: (m: any) => void): Buffer {
  const m = JSON.parse(encodeManifest(sample()).toString('utf8'));
  edit(m);
  return raw(m);
}

function rejects(bytes: Buffer, code: ErrorCode, includes: string): void {
  assert.throws(
    () => decodeManifest(bytes, 'p.svp'),
    (err: unknown) => {
      assert.ok(isServicePackError(err), String(err));
      assert.equal(err.code, code, err.message);
      assert.ok(err.message.includes(includes), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(includes)}`);
      return true;
    },
  );
}

test('encode then decode gives the same manifest and the same bytes', () => {
  const bytes = encodeManifest(sample());
  const decoded = decodeManifest(bytes, 'p.svp');
  assert.deepEqual(decoded, sample());
  assert.ok(encodeManifest(decoded).equals(bytes));
});

test('encoding is canonical: key order of the input objects does not matter', () => {
  const m = sample();
  const shuffled = JSON.parse(JSON.stringify(m), function (this: unknown, _k, v) {
    return v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v;
  }) as Manifest;
  assert.ok(encodeManifest(shuffled).equals(encodeManifest(m)));
  assert.ok(encodeManifest(m).toString().startsWith('{"format":1,"product":"exchange","fromVersion":"5.5","toVersion":"5.5-sp4","entries":[{"path":"BIN","action":"keep","new":{"type":"dir"}},{"path":"BIN/Mdbperf.dll","action":"change","old":{"type":"file","sha256":"'));
  assert.ok(encodeManifest(m).toString().endsWith(`{"offset":5210,"storedSize":9,"storedSha256":"${H('2')}","encoding":"zstd","size":0,"sha256":"${H('e')}"}]}`));
});

test('non-canonical bytes are PACK_INVALID', () => {
  const text = encodeManifest(sample()).toString();
  rejects(Buffer.from(text.replace('{"format":1,', '{"format": 1,')), 'PACK_INVALID', 'canonical');
  rejects(Buffer.from(text.replace('"size":16048', '"size":16048.0')), 'PACK_INVALID', 'canonical');
  rejects(Buffer.from(text.replace('"product":"exchange"', '"product":"exch\\u0061nge"')), 'PACK_INVALID', 'canonical');
  rejects(Buffer.from(text.replace('{"format":1,', '{"format":1,"format":1,')), 'PACK_INVALID', 'canonical');
  rejects(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'PACK_INVALID', 'not valid JSON');
  rejects(Buffer.from([0x7b, 0xff, 0x7d]), 'PACK_INVALID', 'not valid UTF-8');
  rejects(Buffer.from(text.slice(0, -1)), 'PACK_INVALID', 'not valid JSON');
  rejects(raw([]), 'PACK_INVALID', 'the manifest is not a JSON object');
});

test('shape errors are PACK_INVALID and name the entry', () => {
  rejects(edited((m) => (m.entries[0].extra = 1)), 'PACK_INVALID', 'entry "BIN" has an unknown field "extra"');
  rejects(edited((m) => delete m.toVersion), 'PACK_INVALID', 'has no "toVersion"');
  rejects(edited((m) => (m.product = '')), 'PACK_INVALID', '"product" is not a non-empty string');
  rejects(edited((m) => (m.format = '1')), 'PACK_INVALID', '"format" is not an integer');
  rejects(edited((m) => (m.entries = {})), 'PACK_INVALID', '"entries" is not an array');
  rejects(edited((m) => (m.entries[0].action = 'patch')), 'PACK_INVALID', 'entry "BIN": unknown action "patch"');
  rejects(edited((m) => (m.entries[0].new.type = 'fifo')), 'PACK_INVALID', 'entry "BIN": the "new" node has unknown type "fifo"');
  rejects(edited((m) => (m.entries[0].new.mode = 493)), 'PACK_INVALID', 'entry "BIN": the "new" node has an unknown field "mode"');
  rejects(edited((m) => (m.entries[1].new.sha256 = H('B'))), 'PACK_INVALID', 'entry "BIN/Mdbperf.dll": the "new" node\'s "sha256" is not 64 lowercase hex digits');
  rejects(edited((m) => (m.entries[1].new.size = -1)), 'PACK_INVALID', '"size" is not a non-negative integer');
  rejects(edited((m) => (m.entries[1].new.executable = 1)), 'PACK_INVALID', '"executable" is not a boolean');
  rejects(edited((m) => (m.entries[1].path = 7)), 'PACK_INVALID', 'entry #1: "path" is not a string');
  rejects(edited((m) => (m.blobs[0].storedSize = 1.5)), 'PACK_INVALID', 'blob #0: "storedSize" is not a non-negative integer');
});

test('action, node and blob consistency', () => {
  rejects(edited((m) => delete m.entries[1].old), 'PACK_INVALID', 'entry "BIN/Mdbperf.dll": a change entry has no "old" node');
  rejects(edited((m) => (m.entries[0].old = { type: 'dir' })), 'PACK_INVALID', 'entry "BIN": a keep entry must not have an "old" node');
  rejects(edited((m) => (m.entries[4].new = { type: 'dir' })), 'PACK_INVALID', 'entry "BIN/retired.dll": a remove entry must not have a "new" node');
  rejects(edited((m) => delete m.entries[2].blob), 'PACK_INVALID', 'entry "BIN/copy.dll": the entry has no "blob"');
  rejects(edited((m) => (m.entries[3].blob = 0)), 'PACK_INVALID', 'entry "BIN/new-tool": the entry must not have a "blob"');
  rejects(edited((m) => (m.entries[2].blob = 2)), 'PACK_INVALID', 'entry "BIN/copy.dll": blob 2 does not exist');
  rejects(edited((m) => (m.entries[2].blob = 1)), 'PACK_INVALID', 'entry "BIN/copy.dll": blob 1 does not hold');
  rejects(edited((m) => (m.blobs[0].size = 16113)), 'PACK_INVALID', 'entry "BIN/Mdbperf.dll": blob 0 does not hold');
  rejects(edited((m) => (m.entries[1].old = m.entries[1].new)), 'PACK_INVALID', 'entry "BIN/Mdbperf.dll": a change entry whose old and new nodes are equal');
  rejects(edited((m) => (m.entries[3].new.target = 'a\0b')), 'PACK_INVALID', 'symlink target contains a NUL');
  rejects(edited((m) => (m.entries[3].new.target = 'x'.repeat(4097))), 'PACK_INVALID', 'symlink target is longer than 4096 bytes');
  rejects(edited((m) => (m.entries[3].new.target = '')), 'PACK_INVALID', 'symlink target is not a non-empty string');
});

test('blob records: contiguous offsets, no duplicates, all used, known encoding', () => {
  rejects(edited((m) => (m.blobs[1].offset = 5211)), 'PACK_INVALID', 'blob #1: offset 5211 is not where blob #0 ends (5210)');
  rejects(edited((m) => (m.blobs[0].offset = 1)), 'PACK_INVALID', 'blob #0: offset 1');
  rejects(edited((m) => (m.blobs[0].storedSize = 0)), 'PACK_INVALID', 'blob #0: "storedSize" is 0');
  rejects(edited((m) => m.blobs.push({ ...m.blobs[1], offset: 5219 })), 'PACK_INVALID', 'blob #2: its content is already stored');
  rejects(
    edited((m) => m.blobs.push({ ...m.blobs[1], offset: 5219, sha256: H('f') })),
    'PACK_INVALID',
    'blob #2 is not used by any entry',
  );
  rejects(edited((m) => (m.blobs[1].encoding = 'bsdiff')), 'PACK_UNSUPPORTED', 'blob encoding "bsdiff"');
  rejects(edited((m) => (m.format = 4)), 'PACK_UNSUPPORTED', 'manifest format 4');
});

/** sample() with blob 0 stored as a delta against `base`, written canonically. */
function withDelta(base: string): Buffer {
  const m = sample();
  m.blobs[0] = { ...m.blobs[0]!, encoding: 'zstd-patch', base };
  return encodeManifest(m);
}

test('zstd-patch blobs: base sits between encoding and size, and names the old content of a change entry using it', () => {
  const bytes = withDelta(H('a'));
  assert.ok(bytes.toString().includes(`"encoding":"zstd-patch","base":"${H('a')}","size":16112`));
  assert.deepEqual(decodeManifest(bytes, 'p.svp').blobs[0], { offset: 0, storedSize: 5210, storedSha256: H('1'), encoding: 'zstd-patch', base: H('a'), size: 16112, sha256: H('b') });
  // BIN/copy.dll (an add) uses blob 0 too; it is staged as a copy of the decoded file.
  rejects(withDelta(H('c')), 'PACK_INVALID', `blob #0: its base ${H('c')} is not the old content of any change entry that uses it`);
  rejects(edited((m) => (m.blobs[0].encoding = 'zstd-patch')), 'PACK_INVALID', 'blob #0: a zstd-patch blob has no "base"');
  rejects(edited((m) => (m.blobs[0].base = H('a'))), 'PACK_INVALID', 'blob #0: a zstd blob must not have a "base"');
  rejects(edited((m) => Object.assign(m.blobs[0], { encoding: 'zstd-patch', base: 'A'.repeat(64) })), 'PACK_INVALID', '"base" is not 64 lowercase hex digits');
  const reordered = JSON.parse(withDelta(H('a')).toString());
  const { base, ...rest } = reordered.blobs[0];
  reordered.blobs[0] = { ...rest, base };
  rejects(raw(reordered), 'PACK_INVALID', 'not in canonical form');
});

test('paths: sorted, unique, safe, no fold collisions, parents are directories', () => {
  rejects(edited((m) => ([m.entries[1], m.entries[2]] = [m.entries[2], m.entries[1]])), 'PACK_INVALID', 'entry "BIN/Mdbperf.dll": entries are not sorted');
  rejects(edited((m) => m.entries.splice(1, 0, m.entries[0])), 'PACK_UNSAFE_PATH', '"BIN": the path appears twice');
  rejects(edited((m) => (m.entries[8].path = 'OLD/../y')), 'PACK_UNSAFE_PATH', "'..' component");
  rejects(edited((m) => m.entries.unshift({ path: '.servicepack', action: 'add', new: { type: 'dir' } })), 'PACK_UNSAFE_PATH', '.servicepack');
  rejects(edited((m) => m.entries.splice(1, 0, { path: 'BIN/MDBPERF.DLL', action: 'add', new: { type: 'dir' } })), 'PACK_UNSAFE_PATH', '"BIN/Mdbperf.dll": the path collides with "BIN/MDBPERF.DLL"');
  rejects(edited((m) => m.entries.shift()), 'PACK_UNSAFE_PATH', '"BIN/Mdbperf.dll": its parent "BIN" is not an entry');
  rejects(edited((m) => (m.entries[0] = { path: 'BIN', action: 'add', new: { type: 'dir' } })), 'PACK_UNSAFE_PATH', '"BIN/Mdbperf.dll": its parent "BIN" is not a directory in the old tree');
  rejects(edited((m) => (m.entries[7] = { path: 'OLD', action: 'add', new: { type: 'dir' } })), 'PACK_UNSAFE_PATH', '"OLD/y": its parent "OLD" is not a directory in the old tree');
  rejects(edited((m) => (m.entries[5].new = { type: 'symlink', target: 'x' })), 'PACK_UNSAFE_PATH', '"DATA/x": its parent "DATA" is not a directory in the new tree');
});

test('bounds: blobs may not outnumber entries', () => {
  const m = sample();
  m.entries = m.entries.slice(0, 1);
  m.blobs = [m.blobs[0]!, m.blobs[1]!, { ...m.blobs[1]!, offset: 5219 }];
  rejects(raw(m), 'PACK_INVALID', 'the manifest has 3 blobs, more than its 1 entries');
});

test('hooks: canonical between toVersion and entries, argv arrays checked strictly', () => {
  const m = { ...sample(), hooks: { post: ['systemctl', 'start', 'exchange'], pre: ['systemctl', 'stop', 'exchange'] } };
  const bytes = encodeManifest(m);
  assert.ok(bytes.toString().includes('"toVersion":"5.5-sp4","hooks":{"pre":["systemctl","stop","exchange"],"post":["systemctl","start","exchange"]},"entries":'));
  assert.deepEqual(decodeManifest(bytes, 'x.svp').hooks, { pre: ['systemctl', 'stop', 'exchange'], post: ['systemctl', 'start', 'exchange'] });
  assert.equal(decodeManifest(encodeManifest(sample()), 'x.svp').hooks, undefined);
  const withHooks = (hooks: unknown): Buffer => raw({ ...JSON.parse(encodeManifest(sample()).toString()), hooks });
  rejects(withHooks({}), 'PACK_INVALID', 'the manifest "hooks" is empty');
  rejects(withHooks({ pre: [] }), 'PACK_INVALID', 'the pre hook is not a non-empty array of strings');
  rejects(withHooks({ post: 'systemctl start x' }), 'PACK_INVALID', 'the post hook is not a non-empty array of strings');
  rejects(withHooks({ pre: ['ok', 3] }), 'PACK_INVALID', 'the pre hook has an argument that is not a string');
  rejects(withHooks({ pre: ['', 'x'] }), 'PACK_INVALID', "the pre hook's program (its first argument) is empty");
  rejects(withHooks({ pre: ['a\u0000b'] }), 'PACK_INVALID', 'the pre hook has an argument with a NUL character');
  rejects(withHooks({ during: ['x'] }), 'PACK_INVALID', 'the manifest "hooks" has an unknown field "during"');
});

test('an unknown top-level field is PACK_UNSUPPORTED: a newer writer\'s feature is never ignored', () => {
  rejects(edited((m) => (m.extra = 1)), 'PACK_UNSUPPORTED', 'manifest field "extra"');
  rejects(edited((m) => (m.rollout = { percent: 5 })), 'PACK_UNSUPPORTED', 'manifest field "rollout"');
});

test('health: canonical after the hooks, checks and times checked strictly', () => {
  const health = { windowMs: 10000, checks: [{ url: 'http://127.0.0.1:8080/health' }, { tcp: '[::1]:5432' }, { cmd: ['bin/check', '--quick'] }], delayMs: 2000 };
  const m = { ...sampleV2(), hooks: { post: ['true'] }, health };
  const bytes = encodeManifest(m as Manifest);
  assert.ok(bytes.toString().includes('"hooks":{"post":["true"]},"health":{"checks":[{"url":"http://127.0.0.1:8080/health"},{"tcp":"[::1]:5432"},{"cmd":["bin/check","--quick"]}],"delayMs":2000,"windowMs":10000},"entries":'), bytes.toString().slice(0, 400));
  assert.deepEqual(decodeManifest(bytes, 'x.svp').health, { checks: health.checks, delayMs: 2000, windowMs: 10000 });
  const withHealth = (h: unknown, format = 2): Buffer => raw({ ...JSON.parse(encodeManifest(format === 2 ? sampleV2() : sample()).toString()), health: h });
  rejects(withHealth({ checks: [{ url: 'http://x/' }] }, 1), 'PACK_INVALID', `the manifest "health" needs format ${HEALTH_SINCE_FORMAT} or later`);
  rejects(withHealth({ checks: [] }), 'PACK_INVALID', '"checks" is not a non-empty array');
  rejects(withHealth({ checks: [{ url: 'ftp://x/' }] }), 'PACK_INVALID', 'check #0: "url" "ftp://x/" is not http:// or https://');
  rejects(withHealth({ checks: [{ tcp: 'localhost' }] }), 'PACK_INVALID', 'check #0: "tcp" "localhost" is not host:port');
  rejects(withHealth({ checks: [{ tcp: 'h:70000' }] }), 'PACK_INVALID', 'is not host:port');
  rejects(withHealth({ checks: [{ cmd: [] }] }), 'PACK_INVALID', '"cmd" is not an array of 1 to 256 strings');
  rejects(withHealth({ checks: [{ cmd: ['x'], url: 'http://x/' }] }), 'PACK_INVALID', 'must have exactly one of "cmd", "url" or "tcp"');
  rejects(withHealth({ checks: [{ cmd: ['x'] }], periodMs: 0 }), 'PACK_INVALID', '"periodMs" is 0');
  rejects(withHealth({ checks: [{ cmd: ['x'] }], windowMs: 1.5 }), 'PACK_INVALID', '"windowMs" is not an integer');
  rejects(withHealth({ checks: [{ cmd: ['x'] }], windowMs: 50000, deadlineMs: 40000 }), 'PACK_INVALID', 'can never pass');
  rejects(withHealth({ checks: [{ cmd: ['x'] }], retries: 3 }), 'PACK_INVALID', 'the manifest "health" has an unknown field "retries"');
});

/** The sample in format 2: modes on files and directories, a hard link, a sparse file. */
function sampleV2(): Manifest {
  const m = sample();
  m.format = 2;
  const copy = m.entries[2]!.new;
  if (copy?.type === 'file') {
    copy.mode = 0o755;
    copy.hardlink = 'BIN/Mdbperf.dll';
  }
  const dir = m.entries[0]!.new;
  if (dir?.type === 'dir') dir.mode = 0o700;
  const x = m.entries[6]!.new;
  if (x?.type === 'file') {
    x.mode = 0o4750;
    x.sparse = true;
  }
  return m;
}

test('format 2 records modes, hard links and sparse files, canonically', () => {
  const m = sampleV2();
  const bytes = encodeManifest(m);
  assert.deepEqual(decodeManifest(bytes, 'p.svp'), m);
  const text = bytes.toString();
  assert.ok(text.startsWith('{"format":2,"product":"exchange","fromVersion":"5.5","toVersion":"5.5-sp4","entries":[{"path":"BIN","action":"keep","new":{"type":"dir","mode":448}},'), text);
  assert.ok(text.includes('"new":{"type":"file","sha256":"' + H('b') + '","size":16112,"mode":493,"hardlink":"BIN/Mdbperf.dll"},"blob":0}'));
  assert.ok(text.includes('"new":{"type":"file","sha256":"' + H('e') + '","size":0,"mode":2536,"sparse":true},"blob":1}'));
});

test('format 2 rules: mode bounds, no executable field, hard links to an earlier file with the same content and mode', () => {
  const edited2 = (edit: (m: any) => void): Buffer => {
    const m = JSON.parse(encodeManifest(sampleV2()).toString());
    edit(m);
    return Buffer.from(JSON.stringify(m));
  };
  rejects(edited2((m) => (m.entries[1].new.mode = 0o10000)), 'PACK_INVALID', 'entry "BIN/Mdbperf.dll": the "new" node\'s "mode" is not an integer from 0 to 4095 (0o7777)');
  rejects(edited2((m) => (m.entries[0].new = { type: 'dir' })), 'PACK_INVALID', 'entry "BIN": the "new" node has no "mode"');
  rejects(edited2((m) => (m.entries[1].new.executable = true)), 'PACK_INVALID', 'entry "BIN/Mdbperf.dll": the "new" node has an unknown field "executable"');
  rejects(edited2((m) => (m.entries[6].new.sparse = false)), 'PACK_INVALID', '"sparse" is not true');
  rejects(edited2((m) => (m.entries[2].new.mode = 0o644)), 'PACK_INVALID', 'entry "BIN/copy.dll": its new node is a hard link to "BIN/Mdbperf.dll", which is not an earlier file of the new tree with the same content and mode');
  rejects(edited2((m) => (m.entries[2].new.hardlink = 'BIN/new-tool')), 'PACK_INVALID', 'entry "BIN/copy.dll": its new node is a hard link to "BIN/new-tool"');
  rejects(edited2((m) => (m.entries[2].new.hardlink = 'BIN/copy.dll')), 'PACK_INVALID', 'its new node is a hard link to "BIN/copy.dll"');
});

test('a version-1 manifest reads as the modes version 1 installed and keeps its bytes', () => {
  const m = sample();
  const bytes = encodeManifest(m);
  assert.ok(bytes.toString().includes('"old":{"type":"file","sha256":"' + H('a') + '","size":16048,"executable":true}'));
  const read = decodeManifest(bytes, 'p.svp');
  assert.equal(read.format, 1);
  assert.deepEqual(read.entries[0]!.new, { type: 'dir', mode: 0o755 });
  assert.deepEqual(read.entries[4]!.old, { type: 'file', sha256: H('c'), size: 10, mode: 0o644 });
  assert.ok(encodeManifest(read).equals(bytes));
  const withMode = JSON.parse(bytes.toString());
  withMode.entries[0].new.mode = 493;
  rejects(Buffer.from(JSON.stringify(withMode)), 'PACK_INVALID', 'entry "BIN": the "new" node has an unknown field "mode"');
});
