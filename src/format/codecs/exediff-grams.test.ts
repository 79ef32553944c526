// The exediff matcher's short-substring filter (native/exediff.c, 'the short-substring filter') answers
// the suffix-array searches that can only find matches of under 4 bytes. It must change nothing: the
// native encoder gives the same streams with it (the default) and without it (costs[4] = 0), on
// executables and on data that does not compress, at every minimum match length (below 3, a match the
// filter measured starts a region and its position is searched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exediffNative } from './exediff-native.js';
import { executableLayout } from './exe-layout.js';
import { EXEDIFF_COSTS } from './exediff-encode.js';
import { noise, revise } from '../../../test/helpers/binaries.js';
import { needsSetup } from '../../../test/helpers/tools.js';

const native = exediffNative();
const skip = needsSetup('the exediff addon', native !== null, 'apt-get install -y libdivsufsort-dev && npm run build');
const vector = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/exediff/${name}`, import.meta.url)));

function layoutOf(base: Buffer, content: Buffer): Float64Array {
  const o = executableLayout(base);
  const n = executableLayout(content);
  if (o === undefined || n === undefined) return Float64Array.of(0, 0);
  return Float64Array.from([o.length, n.length, ...[...o, ...n].flatMap((s) => [s.off, s.fileSize, s.vaddr, s.memSize, s.exec ? 1 : 0])]);
}

/** Every output of the native encoder for `base` -> `content` with minimum match `minMatch`, the filter on or off. */
function streams(base: Buffer, content: Buffer, minMatch: number, filter: 0 | 1): [Buffer, Buffer, Buffer, number] {
  const c = EXEDIFF_COSTS;
  return native!.exediff(base, content, layoutOf(base, content), Float64Array.of(minMatch, c.literal, c.miss, c.control, filter));
}

/** Bytes from `letters` symbols (xorshift32 from `seed`): every short string occurs, so the filter passes most positions on. */
function fewLetters(size: number, letters: number, seed: number): Buffer {
  const b = noise(size, seed);
  for (let i = 0; i < size; i++) b[i] = 0x41 + (b[i]! % letters);
  return b;
}

const noisy = noise(300_000, 11);
const pairs: [string, Buffer, Buffer][] = [
  ['ELF vectors', vector('elf-v1'), vector('elf-v2')],
  ['PE vectors', vector('pe-v1.dll'), vector('pe-v2.dll')],
  ['noise revised', noisy, revise(noisy)],
  // Mostly new noise with a few old pieces: nearly every position is answered by the filter.
  ['fresh noise with old pieces', noisy, Buffer.concat([noise(100_000, 12), noisy.subarray(5_000, 9_000), noise(150_000, 13), noisy.subarray(200_000, 200_700), noise(50_000, 14)])],
  // A small old file: few bits in the 4-byte set, so it answers 'occurs' wrongly more often.
  ['small old file', noise(3_000, 15), Buffer.concat([noise(40_000, 16), noise(3_000, 15).subarray(100, 2_000)])],
  ['four letters', fewLetters(120_000, 4, 17), Buffer.concat([fewLetters(60_000, 4, 18), fewLetters(120_000, 4, 17).subarray(30_000, 90_000)])],
  ['sixty letters', fewLetters(120_000, 60, 19), Buffer.concat([fewLetters(60_000, 60, 20), fewLetters(120_000, 60, 19).subarray(30_000, 90_000), noise(20_000, 21)])],
];

for (const [name, base, content] of pairs) {
  test(`exediff short-substring filter changes no byte: ${name}`, { skip }, () => {
    for (const minMatch of [0, 1, 2, EXEDIFF_COSTS.minMatch, 8]) {
      const off = streams(base, content, minMatch, 0);
      const on = streams(base, content, minMatch, 1);
      assert.ok(off[3] > 0, 'regions found');
      assert.equal(on[3], off[3], `region count, min match ${minMatch}`);
      for (const i of [0, 1, 2] as const) assert.ok(on[i].equals(off[i]), `stream ${i}, min match ${minMatch}`);
    }
  });
}
