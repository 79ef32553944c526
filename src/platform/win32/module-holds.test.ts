import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameImage } from './module-holds.js';

/** A PE32+ header: e_lfanew 0x80, SizeOfHeaders 0x200, ImageBase 0x180000000, section data after the headers. */
function image(): Buffer {
  const b = Buffer.alloc(1024);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7) & 0xff;
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeBigUInt64LE(0x180000000n, 0x80 + 24 + 24);
  b.writeUInt32LE(0x200, 0x80 + 24 + 60);
  return b;
}

test('sameImage: equal headers match; a relocated ImageBase and bytes past SizeOfHeaders do not matter', () => {
  const file = image();
  assert.equal(sameImage(image(), file), true);
  const relocated = image();
  relocated.writeBigUInt64LE(0x7ff600000000n, 0x80 + 24 + 24);
  assert.equal(sameImage(relocated, file), true);
  const padded = image();
  padded.fill(0, 0x200);
  assert.equal(sameImage(padded, file), true);
});

test('sameImage: any other header byte, a short or non-PE file does not match', () => {
  const file = image();
  const rebuilt = image();
  rebuilt.writeUInt32LE(0x12345678, 0x80 + 8); // the file header's TimeDateStamp
  assert.equal(sameImage(rebuilt, file), false);
  assert.equal(sameImage(image(), file.subarray(0, 32)), false);
  const text = Buffer.from('not an image at all, but long enough to be compared with one'.repeat(4));
  assert.equal(sameImage(text, text), false);
});
