// The table of blob encodings a reader understands (docs/format.md, 'Blob encodings'). Any other
// `encoding` in a manifest is PACK_UNSUPPORTED. To add an encoding: one file exporting a BlobCodec, one
// line here, and its section in docs/format.md.
import type { BlobCodec } from './codec.js';
import { exediffCodec } from './exediff.js';
import { zstdCodec } from './zstd-full.js';
import { zstdPatchCodec } from './zstd-patch.js';
import { zstdWindowsCodec } from './zstd-windows.js';

export const CODECS: readonly BlobCodec[] = [zstdCodec, zstdPatchCodec, zstdWindowsCodec, exediffCodec];

/** The codec named `name`, or undefined for an encoding this reader does not know. */
export function codecNamed(name: string): BlobCodec | undefined {
  return CODECS.find((c) => c.name === name);
}

/** The codec of a blob the manifest parser accepted (its encoding is in the table). */
export function codecOf(blob: { encoding: string }): BlobCodec {
  const codec = codecNamed(blob.encoding);
  if (codec === undefined) throw new Error(`no codec for the blob encoding ${JSON.stringify(blob.encoding)}`);
  return codec;
}
