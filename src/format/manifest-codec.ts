// The manifest's byte form: canonical JSON (fixed key order, no whitespace, integers only) on encode,
// and on decode strict UTF-8, JSON, shape, cross-entry rules, and byte-exact canonical form.
import type { BlobRecord, Manifest, ManifestEntry, PackHooks, TreeNode } from './manifest.js';
import { canonicalHealth } from './health.js';
import { checkManifest } from './manifest-check.js';
import { parseManifest } from './manifest-parse.js';
import { packInvalid } from './pack-errors.js';
import type { TreeCommitment } from './tree-commitment.js';

/** Canonical manifest bytes: equal manifests give equal bytes, whatever order their objects' keys were set in. */
export function encodeManifest(m: Manifest): Buffer {
  const canonical = {
    format: m.format,
    product: m.product,
    fromVersion: m.fromVersion,
    toVersion: m.toVersion,
    ...(m.expires === undefined ? {} : { expires: m.expires }),
    ...(m.hooks === undefined ? {} : { hooks: canonicalHooks(m.hooks) }),
    ...(m.baseTree === undefined ? {} : { baseTree: canonicalTree(m.baseTree) }),
    ...(m.resultTree === undefined ? {} : { resultTree: canonicalTree(m.resultTree) }),
    ...(m.health === undefined ? {} : { health: canonicalHealth(m.health) }),
    entries: m.entries.map((e) => canonicalEntry(e, m.format)),
    blobs: m.blobs.map(canonicalBlob),
  };
  return Buffer.from(JSON.stringify(canonical), 'utf8');
}

function canonicalHooks(h: PackHooks): object {
  return { ...(h.pre === undefined ? {} : { pre: h.pre }), ...(h.post === undefined ? {} : { post: h.post }) };
}

function canonicalTree(t: TreeCommitment): object {
  return { nodes: t.nodes, sha256: t.sha256, ...(t.sketch === undefined ? {} : { sketch: t.sketch }) };
}

function canonicalEntry(e: ManifestEntry, format: number): object {
  const out: Record<string, unknown> = { path: e.path, action: e.action };
  if (e.old !== undefined) out.old = canonicalNode(e.old, format);
  if (e.new !== undefined) out.new = canonicalNode(e.new, format);
  if (e.blob !== undefined) out.blob = e.blob;
  return out;
}

/** Version 1 knew only the owner-exec bit (its nodes parse to its two file modes and one directory mode). */
function canonicalNode(n: TreeNode, format: number): object {
  switch (n.type) {
    case 'file':
      if (format === 1) return { type: n.type, sha256: n.sha256, size: n.size, executable: (n.mode & 0o100) !== 0 };
      return { type: n.type, sha256: n.sha256, size: n.size, mode: n.mode, ...(n.hardlink === undefined ? {} : { hardlink: n.hardlink }), ...(n.sparse === true ? { sparse: true } : {}) };
    case 'symlink':
      return { type: n.type, target: n.target };
    case 'dir':
      return format === 1 ? { type: n.type } : { type: n.type, mode: n.mode };
  }
}

function canonicalBlob(b: BlobRecord): object {
  const base = b.base === undefined ? {} : { base: b.base };
  return { offset: b.offset, storedSize: b.storedSize, storedSha256: b.storedSha256, encoding: b.encoding, ...base, size: b.size, sha256: b.sha256 };
}

/**
 * Decodes and fully validates manifest bytes read from `packPath` (named in errors): PACK_INVALID,
 * PACK_UNSUPPORTED (unknown format or encoding) or PACK_UNSAFE_PATH on the first violation.
 */
export function decodeManifest(bytes: Buffer, packPath: string): Manifest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    if (err instanceof TypeError) throw packInvalid(packPath, 'the manifest is not valid UTF-8');
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) throw packInvalid(packPath, `the manifest is not valid JSON (${err.message})`);
    throw err;
  }
  const manifest = parseManifest(value, packPath);
  checkManifest(manifest, packPath);
  if (!encodeManifest(manifest).equals(bytes)) {
    throw packInvalid(packPath, 'the manifest is not in canonical form (key order, whitespace, escapes or number format)');
  }
  return manifest;
}
