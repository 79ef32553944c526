// Unit tests of the 32-byte header: layout, bounds, and the code each kind of damage raises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isServicePackError } from '../errors/index.js';
import { HEADER_SIZE, decodeHeader, encodeHeader } from './header.js';

const good = { manifestLength: 1234, signatureLength: 0, payloadLength: 2 ** 40 + 7 };

function damaged(edit: (b: Buffer) => void): Buffer {
  const b = encodeHeader(good);
  edit(b);
  return b;
}

function invalidAt(buf: Buffer): number | undefined {
  try {
    decodeHeader(buf, 'x.svp');
  } catch (err) {
    assert.ok(isServicePackError(err, 'PACK_INVALID'), `expected PACK_INVALID, got ${String(err)}`);
    assert.equal(err.details.path, 'x.svp');
    return err.details.offset;
  }
  assert.fail('no error');
}

test('encodeHeader writes the documented layout and decodeHeader reads it back', () => {
  const b = encodeHeader(good);
  assert.equal(b.length, HEADER_SIZE);
  assert.equal(b.subarray(0, 12).toString('hex'), '8953565041434b0a03000000');
  assert.equal(b.readUInt32LE(12), 1234);
  assert.deepEqual(decodeHeader(b, 'x.svp'), { formatVersion: 3, flags: 0, ...good });
});

test('decodeHeader accepts the bounds themselves', () => {
  const b = encodeHeader({ manifestLength: 64 * 1024 * 1024, signatureLength: 8192, payloadLength: Number.MAX_SAFE_INTEGER });
  assert.equal(decodeHeader(b, 'x.svp').payloadLength, Number.MAX_SAFE_INTEGER);
});

test('decodeHeader rejects damage with PACK_INVALID at the offending offset', () => {
  assert.equal(invalidAt(Buffer.alloc(10)), 10);
  assert.equal(invalidAt(damaged((b) => (b[0] = 0x0a))), 0);
  assert.equal(invalidAt(damaged((b) => (b[7] = 0x0d))), 0);
  assert.equal(invalidAt(damaged((b) => b.writeUInt16LE(1, 10))), 10);
  assert.equal(invalidAt(damaged((b) => b.writeUInt32LE(1, 12))), 12);
  assert.equal(invalidAt(damaged((b) => b.writeUInt32LE(64 * 1024 * 1024 + 1, 12))), 12);
  assert.equal(invalidAt(damaged((b) => b.writeUInt32LE(8193, 16))), 16);
  assert.equal(invalidAt(damaged((b) => b.writeBigUInt64LE(2n ** 53n, 20))), 20);
  assert.equal(invalidAt(damaged((b) => b.writeUInt32LE(1, 28))), 28);
});

test('decodeHeader refuses another format version with PACK_UNSUPPORTED', () => {
  for (const version of [0, 4, 65535]) {
    assert.throws(
      () => decodeHeader(damaged((b) => b.writeUInt16LE(version, 8)), 'x.svp'),
      (err: unknown) => isServicePackError(err, 'PACK_UNSUPPORTED') && err.details.formatVersion === version && err.details.supported === 3,
    );
  }
  for (const version of [1, 2, 3]) assert.equal(decodeHeader(damaged((b) => b.writeUInt16LE(version, 8)), 'x.svp').formatVersion, version);
});
