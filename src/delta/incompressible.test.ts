// Incompressible input is found by sampling and encoded at level 1; compressible input keeps its level.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeBlobFromFile } from '../format/blob-encoder.js';
import { sha256Hex } from '../format/hash.js';
import { encodeFile } from './encode-file.js';
import { INCOMPRESSIBLE_LEVEL, SAMPLE_MIN_SIZE, looksIncompressible } from './incompressible.js';
import { cleanupTempDirs, tempFile } from '../../test/helpers/tree.js';

after(cleanupTempDirs);

function frameOf(path: string, size: number, level: number): Buffer {
  const chunks: Buffer[] = [];
  encodeBlobFromFile(path, size, level, (c) => chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}

const random = randomBytes(9 * 1024 * 1024);
const text = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `line ${i}: the quick brown fox ${i % 97}\n`).join(''));

test('random data is incompressible, text is not, and small files are never sampled', () => {
  assert.equal(looksIncompressible(tempFile('random', random), random.length), true);
  assert.equal(looksIncompressible(tempFile('text', text), text.length), false);
  const small = random.subarray(0, SAMPLE_MIN_SIZE - 1);
  assert.equal(looksIncompressible(tempFile('small', small), small.length), false);
});

test('an incompressible file is encoded at level 1 whatever level the build asked for; text keeps level 19', () => {
  const randomPath = tempFile('random-job', random);
  const fast = encodeFile({ newPath: randomPath, newSize: random.length, newSha256: sha256Hex(random), level: 19 });
  assert.ok(fast.ok);
  const atOne = frameOf(randomPath, random.length, INCOMPRESSIBLE_LEVEL);
  // Byte 5 is the frame's window descriptor: 2^19 at level 1 (0x48), 2^23 at level 19 (0x68) for 9 MiB.
  assert.equal(atOne[5], 0x48);
  assert.ok(Buffer.from(fast.file.stored!).equals(atOne));
  const textPath = tempFile('text-job', text);
  const slow = encodeFile({ newPath: textPath, newSize: text.length, newSha256: sha256Hex(text), level: 19 });
  assert.ok(slow.ok);
  assert.ok(Buffer.from(slow.file.stored!).equals(frameOf(textPath, text.length, 19)));
});
