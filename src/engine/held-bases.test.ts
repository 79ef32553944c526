// Which old files the preflight keeps for staging: the bases of every delta whose codec decodes against
// content in memory (zstd-patch, exediff), never those read from the file (zstd-windows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlobRecord, Manifest, ManifestEntry } from '../format/manifest.js';
import { basesToKeep } from './held-bases.js';

const hex = (c: string): string => c.repeat(64);

function changed(path: string, oldSha: string, blob: number): ManifestEntry {
  return {
    path,
    action: 'change',
    old: { type: 'file', mode: 0o644, size: 1000, sha256: oldSha },
    new: { type: 'file', mode: 0o644, size: 1000, sha256: hex(String(blob + 5)) },
    blob,
  } as ManifestEntry;
}

function blob(encoding: string, base: string | undefined, i: number): BlobRecord {
  return { offset: i * 10, storedSize: 10, storedSha256: hex('0'), encoding, ...(base === undefined ? {} : { base }), size: 1000, sha256: hex(String(i + 5)) };
}

test('the bases of zstd-patch and exediff blobs are held; zstd-windows bases and full blobs are not', () => {
  const manifest = {
    entries: [changed('bin/app', hex('a'), 0), changed('data/big.img', hex('b'), 1), changed('lib/text.js', hex('c'), 2), changed('lib/full.bin', hex('d'), 3)],
    blobs: [blob('exediff', hex('a'), 0), blob('zstd-windows', hex('b'), 1), blob('zstd-patch', hex('c'), 2), blob('zstd', undefined, 3)],
  } as unknown as Manifest;
  assert.deepEqual([...basesToKeep(manifest).keys()].sort(), ['bin/app', 'lib/text.js']);
});
