// Hand-made packs for attack tests: any manifest a hostile writer could produce (no validation on the
// way out), real zstd blobs for the contents it names, and a real signature by a chosen key.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMAT_VERSION, encodeBlobFromFile, encodeHeader, loadManifest, storeManifest } from '../../src/format/index.js';
import { readSecretKeyFile, signMessage } from '../../src/signing/index.js';
import { testKey } from './keys.js';
import { tempDir } from './tree.js';

/** A node as a hostile manifest may state it; `content` makes a file node with its real hash and size. */
export type CraftNode = { type: string; content?: string; target?: string; executable?: boolean; size?: number };

export interface CraftEntry {
  path: string;
  action: string;
  old?: CraftNode;
  new?: CraftNode;
}

export interface CraftSpec {
  product?: string;
  fromVersion?: string;
  toVersion?: string;
  entries: CraftEntry[];
  /** Secret key file to sign with (default: the test key); null for an unsigned pack. */
  signWith?: string | null;
}

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Writes the crafted pack and returns its path. Blobs are stored in entry order, one per distinct content. */
export function craftPack(spec: CraftSpec): string {
  const dir = tempDir('craft');
  const payload: Buffer[] = [];
  const blobs: object[] = [];
  const blobOf = new Map<string, number>();
  let offset = 0;
  const node = (n: CraftNode): object => {
    if (n.type !== 'file' || n.content === undefined) return n.type === 'symlink' ? { type: n.type, target: n.target } : { ...n };
    return { type: 'file', sha256: sha(n.content), size: n.size ?? Buffer.byteLength(n.content), executable: n.executable ?? false };
  };
  const entries = spec.entries.map((e) => {
    const out: Record<string, unknown> = { path: e.path, action: e.action };
    if (e.old) out.old = node(e.old);
    if (e.new) out.new = node(e.new);
    if ((e.action === 'add' || e.action === 'change') && e.new?.content !== undefined) {
      const key = `${sha(e.new.content)}:${e.new.size ?? ''}`;
      if (!blobOf.has(key)) {
        const src = join(dir, `blob-${blobs.length}`);
        writeFileSync(src, e.new.content);
        const chunks: Buffer[] = [];
        const enc = encodeBlobFromFile(src, Buffer.byteLength(e.new.content), 3, (c) => chunks.push(Buffer.from(c)));
        payload.push(...chunks);
        blobOf.set(key, blobs.length);
        blobs.push({ offset, storedSize: enc.storedSize, storedSha256: enc.storedSha256, encoding: 'zstd', size: e.new.size ?? enc.size, sha256: enc.sha256 });
        offset += enc.storedSize;
      }
      out.blob = blobOf.get(key);
    }
    return out;
  });
  const manifest = Buffer.from(JSON.stringify({
    format: 1, product: spec.product ?? 'acme', fromVersion: spec.fromVersion ?? '1.0', toVersion: spec.toVersion ?? '2.0', entries, blobs,
  }));
  const signWith = spec.signWith === undefined ? testKey.key : spec.signWith;
  const signature = signWith === null ? Buffer.alloc(0) : Buffer.from(signMessage(readSecretKeyFile(signWith), manifest, 'crafted'));
  return writeRaw(join(dir, 'crafted.svp'), manifest, signature, Buffer.concat(payload));
}

/**
 * Writes header + sections as given, with no checks at all; the header's version is the manifest's
 * `format` when it has one. The manifest bytes are stored as that version stores them (compressed from 3 on).
 */
export function writeRaw(out: string, manifest: Buffer, signature: Buffer, payload: Buffer): string {
  const version = formatOf(manifest);
  const section = storeManifest(manifest, version ?? FORMAT_VERSION);
  const header = encodeHeader({ manifestLength: section.length, signatureLength: signature.length, payloadLength: payload.length, formatVersion: version });
  writeFileSync(out, Buffer.concat([header, section, signature, payload]));
  return out;
}

function formatOf(manifest: Buffer): number | undefined {
  try {
    const format = (JSON.parse(manifest.toString('utf8')) as { format?: unknown } | null)?.format;
    return Number.isInteger(format) && (format as number) >= 0 && (format as number) < 65536 ? (format as number) : undefined;
  } catch {
    return undefined;
  }
}

/** The three sections of a pack file, the manifest as its canonical bytes (decompressed from format 3 on). */
export function sectionsOf(pack: string): { manifest: Buffer; signature: Buffer; payload: Buffer } {
  const b = readFileSync(pack);
  const m = b.readUInt32LE(12);
  const s = b.readUInt32LE(16);
  return { manifest: loadManifest(b.subarray(32, 32 + m), b.readUInt16LE(8), pack), signature: b.subarray(32 + m, 32 + m + s), payload: b.subarray(32 + m + s) };
}

/** Re-signs manifest bytes with a secret key file. */
export function signatureOf(manifest: Buffer, keyFile: string = testKey.key): Buffer {
  return Buffer.from(signMessage(readSecretKeyFile(keyFile), manifest, 'resigned'));
}

