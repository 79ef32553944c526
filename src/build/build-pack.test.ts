// Builds real packs from real temp trees and reads them back: classification, determinism, damage detection.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isServicePackError } from '../errors/index.js';
import type { ErrorCode } from '../errors/index.js';
import { encodeHeader } from '../format/header.js';
import { sha256Hex } from '../format/hash.js';
import { storeManifest } from '../format/manifest-section.js';
import { encodeManifest } from '../format/manifest-codec.js';
import { decodeBlob, openPack, verifyPack } from '../format/pack-reader.js';
import type { PackReader } from '../format/pack-reader.js';
import { inspectPack } from '../format/inspect-pack.js';
import { buildPack } from './build-pack.js';

const scratch = mkdtempSync(join(tmpdir(), 'servicepack-build-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

type Spec = string | Buffer | { exec: string } | { link: string } | { dir: true };

/** Creates a fresh directory holding `tree` (paths '/'-separated; parents created as needed). */
function makeTree(tree: Record<string, Spec>): string {
  const root = join(scratch, `t${counter++}`);
  mkdirSync(root);
  for (const [rel, spec] of Object.entries(tree)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) writeFileSync(abs, spec, { mode: 0o644 });
    else if ('exec' in spec) writeFileSync(abs, spec.exec, { mode: 0o755 });
    else if ('link' in spec) symlinkSync(spec.link, abs);
    else mkdirSync(abs, { recursive: true });
  }
  return root;
}

function outPath(): string {
  return join(scratch, `p${counter++}.svp`);
}

/** Deterministic, partly compressible bytes larger than one 1 MiB chunk. */
function bigContent(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = i % 3 === 0 ? x >>> 24 : 65 + (i % 26);
  }
  return b;
}

function assertCode(fn: () => unknown, code: ErrorCode): any {
  let caught: unknown;
  assert.throws(fn, (err: unknown) => {
    caught = err;
    return isServicePackError(err, code);
  });
  return caught;
}

async function assertRejects(fn: () => Promise<unknown>, code: ErrorCode): Promise<any> {
  let caught: unknown;
  await assert.rejects(fn, (err: unknown) => {
    caught = err;
    return isServicePackError(err, code);
  });
  return caught;
}

function decodeAll(reader: PackReader, blob: number): Buffer {
  const chunks: Buffer[] = [];
  decodeBlob(reader, blob, (c) => chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}

const oldSpec: Record<string, Spec> = {
  'bin/tool': { exec: 'tool v1' },
  'bin/same.dll': 'unchanged',
  'bin/mode': 'same bytes',
  'lib/gone.txt': 'bye',
  'lib/swap': 'was a file',
  'link': { link: 'bin/tool' },
  'data/big': bigContent(100),
};
const newSpec: Record<string, Spec> = {
  'bin/tool': { exec: 'tool v2' },
  'bin/same.dll': 'unchanged',
  'bin/mode': { exec: 'same bytes' },
  'bin/twin': { exec: 'tool v2' },
  'lib/swap': { dir: true },
  'lib/swap/inner': 'x',
  'link': { link: '../outside/target' },
  'dirlink': { link: 'lib' },
  'empty': { dir: true },
  'data/big': bigContent(2_500_000 + 17),
};

test('classifies add, change, remove and keep, storing links, empty dirs and the exec bit', async () => {
  const out = outPath();
  const events: string[] = [];
  const result = await buildPack({
    oldDir: makeTree(oldSpec),
    newDir: makeTree(newSpec),
    out,
    product: 'demo',
    fromVersion: '1.0',
    toVersion: '1.1',
    level: 3,
    onEvent: (e) => events.push(e.type === 'build-file' ? `${e.action} ${e.path}` : `warning ${e.path}`),
  });
  const summary = inspectPack(out);
  const lines = summary.entries.map((e) => `${e.action} ${e.path} ${e.type}${e.size === undefined ? '' : ` ${e.size}`}`);
  assert.deepEqual(lines, [
    'keep bin dir',
    'change bin/mode file 10',
    'change bin/tool file 7',
    'add bin/twin file 7',
    'keep data dir',
    'change data/big file 2500017',
    'add dirlink symlink',
    'add empty dir',
    'keep lib dir',
    'remove lib/gone.txt file 3',
    'change lib/swap dir',
    'add lib/swap/inner file 1',
    'change link symlink',
  ]);
  assert.deepEqual(events, lines.map((l) => l.split(' ').slice(0, 2).join(' ')));
  // The build counts every unchanged path; the manifest carries only the directories above changes
  // (bin/same.dll is only in the tree commitments), and inspect counts the rest from the result tree.
  assert.deepEqual(result.counts, { add: 4, change: 5, remove: 1, keep: 4 });
  assert.deepEqual(summary.counts, result.counts);
  assert.equal(result.blobs, 4);
  assert.equal(result.size, readFileSync(out).length);
  assert.equal(summary.size, result.size);
  assert.equal(summary.packId, result.packId);
  assert.deepEqual([summary.product, summary.fromVersion, summary.toVersion, summary.signed], ['demo', '1.0', '1.1', false]);

  const reader = openPack(out);
  try {
    const byPath = new Map(reader.manifest.entries.map((e) => [e.path, e]));
    assert.deepEqual(byPath.get('link')?.new, { type: 'symlink', target: '../outside/target' });
    assert.deepEqual(byPath.get('link')?.old, { type: 'symlink', target: 'bin/tool' });
    assert.deepEqual(byPath.get('dirlink')?.new, { type: 'symlink', target: 'lib' });
    const mode = byPath.get('bin/mode');
    assert.equal(mode?.old?.type === 'file' && mode.old.mode, 0o644);
    assert.equal(mode?.new?.type === 'file' && mode.new.mode, 0o755);
    assert.equal(byPath.get('bin/twin')?.blob, byPath.get('bin/tool')?.blob);
    assert.deepEqual(byPath.get('lib/swap')?.old, { type: 'file', sha256: sha256Hex(Buffer.from('was a file')), size: 10, mode: 0o644 });
    assert.deepEqual(byPath.get('lib/swap')?.new, { type: 'dir', mode: 0o755 });
    assert.equal([...byPath.keys()].some((p) => p.startsWith('.servicepack')), false);
  } finally {
    reader.close();
  }
});

test('every blob decodes to the new tree content', async () => {
  const newDir = makeTree(newSpec);
  const out = outPath();
  await buildPack({ oldDir: makeTree(oldSpec), newDir, out, level: 1 });
  const reader = openPack(out);
  try {
    let checked = 0;
    for (const entry of reader.manifest.entries) {
      if (entry.blob === undefined) continue;
      assert.ok(decodeAll(reader, entry.blob).equals(readFileSync(join(newDir, entry.path))), entry.path);
      checked++;
    }
    assert.equal(checked, 5);
    const progress: number[] = [];
    verifyPack(reader, (p) => progress.push(p.blobsDone));
    assert.deepEqual(progress, [1, 2, 3, 4]);
  } finally {
    reader.close();
  }
});

test('the same inputs give byte-identical packs, whatever the timestamps', async () => {
  const oldDir = makeTree(oldSpec);
  const newDir = makeTree(newSpec);
  const a = outPath();
  const b = outPath();
  const ra = await buildPack({ oldDir, newDir, out: a, level: 3 });
  utimesSync(join(newDir, 'bin/tool'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const rb = await buildPack({ oldDir, newDir, out: b, level: 3 });
  assert.ok(readFileSync(a).equals(readFileSync(b)));
  assert.equal(ra.packId, rb.packId);
  assert.deepEqual(ra.counts, rb.counts);
});

test('defaults: product is the new directory name, versions old/new, level 19', async () => {
  const newDir = makeTree({ f: 'x' });
  const out = outPath();
  const result = await buildPack({ oldDir: makeTree({}), newDir, out });
  const summary = inspectPack(out);
  assert.deepEqual([summary.product, summary.fromVersion, summary.toVersion], [newDir.split(/[\\/]/).pop(), 'old', 'new']);
  assert.deepEqual(result.counts, { add: 1, change: 0, remove: 0, keep: 0 });
});

test('a truncated or extended pack is PACK_INVALID; a missing one PACK_NOT_FOUND', async () => {
  const out = outPath();
  await buildPack({ oldDir: makeTree({}), newDir: makeTree({ a: 'hello', b: { dir: true } }), out, level: 1 });
  const bytes = readFileSync(out);
  const cut = outPath();
  writeFileSync(cut, bytes.subarray(0, bytes.length - 1));
  assert.match(assertCode(() => openPack(cut), 'PACK_INVALID').details.reason, /truncated/);
  writeFileSync(cut, bytes.subarray(0, 20));
  assertCode(() => openPack(cut), 'PACK_INVALID');
  writeFileSync(cut, Buffer.concat([bytes, Buffer.from([0])]));
  assert.match(assertCode(() => openPack(cut), 'PACK_INVALID').details.reason, /1 bytes follow the end/);
  assert.equal(assertCode(() => openPack(join(scratch, 'nope.svp')), 'PACK_NOT_FOUND').details.path, join(scratch, 'nope.svp'));
  assertCode(() => openPack(scratch), 'PACK_NOT_FOUND');
});

test('a flipped payload byte is PACK_CORRUPT naming the first entry of the blob', async () => {
  const out = outPath();
  await buildPack({ oldDir: makeTree({}), newDir: makeTree({ a: 'first', b: 'second', c: 'second' }), out, level: 1 });
  const bytes = readFileSync(out);
  const reader = openPack(out);
  const blob = reader.manifest.blobs[1]!;
  const at = reader.payloadOffset + blob.offset + blob.storedSize - 1;
  reader.close();
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  writeFileSync(out, bytes);
  const damaged = openPack(out);
  try {
    assert.deepEqual(decodeAll(damaged, 0).toString(), 'first');
    const err = assertCode(() => verifyPack(damaged), 'PACK_CORRUPT');
    assert.equal(err.details.entry, 'b');
    assert.equal(err.details.path, out);
  } finally {
    damaged.close();
  }
});

test('decoding stops with PACK_CORRUPT at the first byte past the declared size', async () => {
  const out = outPath();
  const content = bigContent(1_500_000);
  await buildPack({ oldDir: makeTree({}), newDir: makeTree({ big: content }), out, level: 1 });
  const reader = openPack(out);
  const payload = readFileSync(out).subarray(reader.payloadOffset);
  const m = structuredClone(reader.manifest);
  reader.close();
  const declared = content.length - 1000;
  m.blobs[0]!.size = declared;
  if (m.entries[0]?.new?.type === 'file') m.entries[0].new.size = declared;
  const manifestBytes = storeManifest(encodeManifest(m), m.format);
  const header = encodeHeader({ manifestLength: manifestBytes.length, signatureLength: 0, payloadLength: payload.length });
  writeFileSync(out, Buffer.concat([header, manifestBytes, payload]));
  const lying = openPack(out);
  try {
    let delivered = 0;
    const err = assertCode(() => decodeBlob(lying, 0, (c) => (delivered += c.length)), 'PACK_CORRUPT');
    assert.equal(delivered, declared);
    assert.equal(err.details.entry, 'big');
    assert.equal(err.details.expected, `${declared} bytes`);
  } finally {
    lying.close();
  }
});

test('BUILD_INPUT: missing tree, FIFO, case collision, non-UTF-8 name, unsafe name', async () => {
  const fine = makeTree({ a: 'x' });
  assert.equal((await assertRejects(() => buildPack({ oldDir: join(scratch, 'missing'), newDir: fine, out: outPath() }), 'BUILD_INPUT')).details.path, join(scratch, 'missing'));
  const withFifo = makeTree({ 'd/a': 'x' });
  execFileSync('mkfifo', [join(withFifo, 'd/pipe')]);
  const err = await assertRejects(() => buildPack({ oldDir: fine, newDir: withFifo, out: outPath() }), 'BUILD_INPUT');
  assert.equal(err.details.path, join(withFifo, 'd/pipe'));
  assert.match(err.details.reason, /FIFO/);
  // Within one tree; README -> readme across the two trees is a rename (test/case-rename.test.ts).
  const collide = await assertRejects(() => buildPack({ oldDir: makeTree({ README: 'a' }), newDir: makeTree({ README: 'a', readme: 'a' }), out: outPath() }), 'BUILD_INPUT');
  assert.match(collide.details.reason, /collides with "README" of the same tree/);
  const badName = makeTree({});
  writeFileSync(Buffer.from(`${badName}/bad-\xff`, 'latin1'), 'x');
  assert.match((await assertRejects(() => buildPack({ oldDir: fine, newDir: badName, out: outPath() }), 'BUILD_INPUT')).details.reason, /name is not valid UTF-8/);
  const unsafe = makeTree({ 'C:evil': 'x' });
  assert.match((await assertRejects(() => buildPack({ oldDir: fine, newDir: unsafe, out: outPath() }), 'BUILD_INPUT')).details.reason, /colon/);
});

test('an executable-bit change alone is a change entry with a blob', async () => {
  const newDir = makeTree({ run: 'echo' });
  chmodSync(join(newDir, 'run'), 0o700);
  const out = outPath();
  const result = await buildPack({ oldDir: makeTree({ run: 'echo' }), newDir, out, level: 1 });
  assert.deepEqual(result.counts, { add: 0, change: 1, remove: 0, keep: 0 });
  assert.equal(result.blobs, 1);
});
