// Mutations of real packs for the fuzzer: byte-level damage (flips, truncation, splices, header
// lengths, swapped sections) and manifest-level edits re-signed with the trusted key, so the cases
// reach past the signature check into the manifest rules and the payload decoder.
import { FORMAT_VERSION, encodeHeader, loadManifest, storeManifest } from '../../src/format/index.js';
import { compressStream } from '../../src/format/codecs/exediff-encode.js';
import { EXEDIFF_HEADER_SIZE, readU64, writeU64 } from '../../src/format/codecs/exediff-container.js';
import { zstd } from '../../src/format/zstd.js';
import { createHash } from 'node:crypto';
import { signMessage, type SecretKey } from '../../src/signing/index.js';
import type { Random } from './random.js';

/** A pack split into its sections; `manifest` is the canonical bytes (the stored section decompressed). */
export interface PackParts {
  bytes: Buffer;
  manifest: Buffer;
  signature: Buffer;
  payload: Buffer;
}

export function partsOf(bytes: Buffer): PackParts {
  const m = bytes.readUInt32LE(12);
  const s = bytes.readUInt32LE(16);
  return { bytes, manifest: loadManifest(bytes.subarray(32, 32 + m), bytes.readUInt16LE(8), 'corpus'), signature: bytes.subarray(32 + m, 32 + m + s), payload: bytes.subarray(32 + m + s) };
}

/** A pack of the current format from canonical manifest bytes (stored as that format stores them). */
const assemble = (manifest: Buffer, signature: Buffer, payload: Buffer): Buffer => {
  const section = storeManifest(manifest, FORMAT_VERSION);
  return Buffer.concat([encodeHeader({ manifestLength: section.length, signatureLength: signature.length, payloadLength: payload.length }), section, signature, payload]);
};

const INTERESTING = [0, 1, 2, 31, 32, 33, 255, 256, 4096, 65535, 65536, 0x7fffffff, 0xffffffff];
const HOSTILE_STRINGS = ['', '/', '..', '../x', '/etc/passwd', 'a\\b', 'C:x', '.servicepack', '.SERVICEPACK/x', 'a//b', './a', 'x'.repeat(300),
  'BIN', 'bin/../..', '\u0000', 'cafe\u0301', '\uD800', 'zstd-patch', 'zstd-windows', 'hardlink', 'fifo', 'symlink', 'dir', 'file', 'keep', 'remove', '0'.repeat(64), 'f'.repeat(64)];
const HOSTILE_NUMBERS = [-1, 0, 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 1e300, 0.5, NaN];

/** Names of the mutation kinds, for the report. */
export const KINDS = ['flip', 'set-byte', 'truncate', 'splice', 'insert', 'delete', 'header', 'swap-section', 'payload', 'manifest', 'signature-text', 'exediff'] as const;
export type Kind = (typeof KINDS)[number];

/** One mutated pack from `corpus` (by one of `kinds`, all by default), and the kind of mutation made. */
export function mutate(rng: Random, corpus: PackParts[], key: SecretKey, kinds: readonly Kind[] = KINDS): { kind: Kind; bytes: Buffer } {
  const a = rng.pick(corpus);
  const b = rng.pick(corpus);
  const kind = rng.pick(kinds);
  const out = Buffer.from(a.bytes);
  switch (kind) {
    case 'flip':
      for (let n = rng.int(1, 8); n > 0; n--) {
        const i = rng.int(0, out.length - 1);
        out[i]! ^= 1 << rng.int(0, 7);
      }
      return { kind, bytes: out };
    case 'set-byte':
      out[rng.int(0, out.length - 1)] = rng.int(0, 255);
      return { kind, bytes: out };
    case 'truncate':
      return { kind, bytes: out.subarray(0, rng.int(0, out.length - 1)) };
    case 'splice':
      return { kind, bytes: Buffer.concat([a.bytes.subarray(0, rng.int(0, a.bytes.length)), b.bytes.subarray(rng.int(0, b.bytes.length))]) };
    case 'insert': {
      const at = rng.int(0, out.length);
      return { kind, bytes: Buffer.concat([out.subarray(0, at), rng.bytes(rng.int(1, 64)), out.subarray(at)]) };
    }
    case 'delete': {
      const at = rng.int(0, out.length - 1);
      return { kind, bytes: Buffer.concat([out.subarray(0, at), out.subarray(at + rng.int(1, 64))]) };
    }
    case 'header': {
      const field = rng.pick([8, 10, 12, 16, 20, 24, 28]);
      if (field === 20 || field === 24) out.writeUInt32LE(rng.pick(INTERESTING) >>> 0, field);
      else if (field === 8 || field === 10) out.writeUInt16LE(rng.pick(INTERESTING) & 0xffff, field);
      else out.writeUInt32LE(rng.pick(INTERESTING) >>> 0, field);
      return { kind, bytes: out };
    }
    case 'swap-section': {
      const pick = (x: 0 | 1 | 2) => (rng.int(0, 1) === 0 ? a : b)[(['manifest', 'signature', 'payload'] as const)[x]];
      return { kind, bytes: assemble(pick(0), pick(1), pick(2)) };
    }
    case 'payload': {
      const payload = Buffer.from(a.payload);
      if (payload.length > 0) payload[rng.int(0, payload.length - 1)]! ^= 1 << rng.int(0, 7);
      return { kind, bytes: assemble(a.manifest, a.signature, payload) };
    }
    case 'manifest': {
      const manifest = Buffer.from(JSON.stringify(editJson(rng, JSON.parse(a.manifest.toString('utf8')))));
      return { kind, bytes: assemble(manifest, Buffer.from(signMessage(key, manifest, 'fuzz')), rng.int(0, 3) === 0 ? b.payload : a.payload) };
    }
    case 'exediff': {
      // Aimed at the corpus pack holding an exediff blob, when there is one.
      const edited = editExediff(rng, corpus.find(hasExediff) ?? a, key);
      return { kind, bytes: edited ?? out };
    }
    case 'signature-text': {
      const text = a.signature.toString('utf8');
      const lines = text.split('\n');
      const line = rng.int(0, 4);
      lines[line] = rng.int(0, 1) === 0 ? `untrusted comment: edited ${rng.int(0, 1e6)}` : `${lines[line] ?? ''}${rng.pick(['x', ' ', '\r', '=', ''])}`;
      return { kind, bytes: assemble(a.manifest, Buffer.from(lines.join('\n')), a.payload) };
    }
  }
}

/** One structural edit somewhere in a parsed manifest: a value replaced, a key removed or added, entries reordered. */
function editJson(rng: Random, root: any): unknown {
  const containers: { holder: any; key: string | number }[] = [];
  const walk = (v: any): void => {
    if (v === null || typeof v !== 'object') return;
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      containers.push({ holder: v, key: k });
      walk(v[k]);
    }
  };
  walk(root);
  const { holder, key } = rng.pick(containers);
  const old = holder[key];
  switch (rng.int(0, 5)) {
    case 0:
      holder[key] = typeof old === 'number' ? rng.pick(HOSTILE_NUMBERS) : rng.pick(HOSTILE_STRINGS);
      break;
    case 1:
      if (Array.isArray(holder)) holder.splice(key as number, 1);
      else delete holder[key];
      break;
    case 2:
      if (!Array.isArray(holder)) holder[rng.pick(['expires', 'unknown', 'blob', 'old', 'new', 'target'])] = rng.pick([...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, {}]);
      break;
    case 3:
      if (Array.isArray(holder) && holder.length > 1) {
        const j = rng.int(0, holder.length - 1);
        [holder[key as number], holder[j]] = [holder[j], holder[key as number]];
      }
      break;
    case 4:
      if (Array.isArray(holder)) holder.push(structuredClone(old));
      else holder[key] = typeof old === 'string' ? old.toUpperCase() : typeof old === 'number' ? old + rng.pick([-1, 1]) : !old;
      break;
    case 5:
      if (typeof old === 'number') holder[key] = old + rng.pick([-1, 1, 4096, -4096]);
      else if (typeof old === 'string' && old.length > 0) holder[key] = `${old}${rng.pick(['/x', '/..', 'X', '\u0301'])}`;
      break;
  }
  return root;
}

export function hasExediff(p: PackParts): boolean {
  return p.manifest.includes('"encoding":"exediff"');
}

/**
 * Damage inside an exediff blob that its stored hash does not catch: a header field, or one stream
 * decompressed, edited (bytes changed, cut or extended) and compressed again, with the manifest's
 * storedSize, storedSha256 and offsets updated and re-signed. The decoder's own checks must catch it;
 * what they let through, the content hash must. Null when the pack has no exediff blob.
 */
function editExediff(rng: Random, a: PackParts, key: SecretKey): Buffer | null {
  const manifest = JSON.parse(a.manifest.toString('utf8')) as { blobs: { offset: number; storedSize: number; storedSha256: string; encoding: string }[] };
  const index = manifest.blobs.findIndex((b) => b.encoding === 'exediff');
  if (index < 0) return null;
  const blob = manifest.blobs[index]!;
  const stored = Buffer.from(a.payload.subarray(blob.offset, blob.offset + blob.storedSize));
  let edited: Buffer;
  if (rng.int(0, 3) === 0) {
    edited = stored;
    const at = rng.int(0, EXEDIFF_HEADER_SIZE - 1);
    if (at >= 8 && rng.int(0, 1) === 0) writeU64(edited, at - (at % 8), Math.max(0, readU64(edited, at - (at % 8)) + rng.pick([-1, 1, 16, -16, 1 << 20])));
    else edited[at] = rng.pick([0, 1, 2, 0x7f, 0x80, 0xff]);
  } else {
    const s = rng.int(0, 3);
    const raws = [0, 1, 2, 3].map((i) => readU64(stored, 32 + 16 * i));
    const lens = [0, 1, 2, 3].map((i) => readU64(stored, 40 + 16 * i));
    const starts = lens.map((_, i) => EXEDIFF_HEADER_SIZE + lens.slice(0, i).reduce((x, y) => x + y, 0));
    if (raws[s]! === 0) return null;
    const raw = Buffer.alloc(raws[s]!);
    zstd().decompress(raw, stored.subarray(starts[s], starts[s]! + lens[s]!));
    let changed: Buffer = raw;
    switch (rng.int(0, 3)) {
      case 0:
      case 1:
        for (let n = rng.int(1, 4); n > 0; n--) changed[rng.int(0, changed.length - 1)] = rng.pick([0, 1, 0x10, 0x7f, 0x80, 0xff, rng.int(0, 255)]);
        break;
      case 2:
        changed = changed.subarray(0, rng.int(0, changed.length - 1));
        break;
      case 3:
        changed = Buffer.concat([changed, rng.bytes(rng.int(1, 16))]);
        break;
    }
    const frame = compressStream(changed, 3);
    const header = Buffer.from(stored.subarray(0, EXEDIFF_HEADER_SIZE));
    // Usually the header follows the edit (so the stream checks are reached), sometimes not.
    if (rng.int(0, 3) !== 0) writeU64(header, 32 + 16 * s, changed.length);
    writeU64(header, 40 + 16 * s, frame.length);
    edited = Buffer.concat([header, ...[0, 1, 2, 3].map((i) => (i === s ? frame : stored.subarray(starts[i], starts[i]! + lens[i]!)))]);
  }
  const payload = Buffer.concat([a.payload.subarray(0, blob.offset), edited, a.payload.subarray(blob.offset + blob.storedSize)]);
  const delta = edited.length - blob.storedSize;
  blob.storedSize = edited.length;
  blob.storedSha256 = createHash('sha256').update(edited).digest('hex');
  for (const b of manifest.blobs.slice(index + 1)) b.offset += delta;
  const m = Buffer.from(JSON.stringify(manifest));
  return assemble(m, Buffer.from(signMessage(key, m, 'fuzz')), payload);
}
