// A summary of a pack from its header and manifest alone (no payload is decoded), for `inspect` and `--json`.
import type { EntryAction, NodeType, PackHooks } from './manifest.js';
import { codecOf } from './codecs/codecs.js';
import type { PackHealth } from './health.js';
import { openPack } from './pack-reader.js';

/** One entry as `inspect` shows it: `type`/`size` of the new node, or of the old one for a removal. */
export interface PackSummaryEntry {
  path: string;
  action: EntryAction;
  type: NodeType;
  size?: number;
  storedSize?: number;
  /** For a stored file: whether it travels as a delta against its old version. */
  delta?: boolean;
  /** For a stored file: its blob's encoding (docs/format.md, 'Blob encodings'). */
  encoding?: string;
  /** For a stored file: storedSize / size (0 for an empty file). */
  ratio?: number;
}

export interface PackSummary {
  packId: string;
  formatVersion: number;
  product: string;
  fromVersion: string;
  toVersion: string;
  signed: boolean;
  /** For a signed pack: the id of the key that signed it, as minisign prints it (16 hex digits). */
  keyId?: string;
  /** The signed expiry, when the pack has one. */
  expires?: string;
  /** Bytes of the pack file. */
  size: number;
  /** Paths per action; `keep` counts every unchanged path of the tree (also those a format-3 manifest leaves out). */
  counts: Record<EntryAction, number>;
  /** The commands the installer runs before and after the commit; {} when the pack has none. */
  hooks: PackHooks;
  /** The health checks an install runs after the commit (docs/health.md), when the pack has them. */
  health?: PackHealth;
  entries: PackSummaryEntry[];
}

/**
 * Opens, validates and summarises the pack at `path`; throws the errors of `openPack`. `keyIdOf` reads
 * the signing key's id from the signature section (the signing layer knows its format).
 */
export function inspectPack(path: string, keyIdOf?: (signature: Buffer, path: string) => string): PackSummary {
  const reader = openPack(path);
  try {
    const { manifest } = reader;
    const counts: Record<EntryAction, number> = { add: 0, change: 0, remove: 0, keep: 0 };
    const entries = manifest.entries.map((e): PackSummaryEntry => {
      counts[e.action]++;
      const node = e.new ?? e.old;
      if (node === undefined) throw new Error(`entry ${e.path} has no node`);
      const out: PackSummaryEntry = { path: e.path, action: e.action, type: node.type };
      if (node.type === 'file') out.size = node.size;
      const blob = e.blob === undefined ? undefined : manifest.blobs[e.blob];
      if (blob !== undefined) {
        out.storedSize = blob.storedSize;
        out.delta = codecOf(blob).needsBase;
        out.encoding = blob.encoding;
        out.ratio = blob.size === 0 ? 0 : blob.storedSize / blob.size;
      }
      return out;
    });
    // A changes-only manifest lists few of the unchanged paths; its result tree counts them all.
    if (manifest.resultTree !== undefined) counts.keep = manifest.resultTree.nodes - counts.add - counts.change;
    return {
      packId: reader.packId,
      formatVersion: reader.header.formatVersion,
      product: manifest.product,
      fromVersion: manifest.fromVersion,
      toVersion: manifest.toVersion,
      signed: reader.signature.length > 0,
      ...(reader.signature.length > 0 && keyIdOf !== undefined ? { keyId: keyIdOf(reader.signature, path) } : {}),
      ...(manifest.expires === undefined ? {} : { expires: manifest.expires }),
      size: reader.size,
      counts,
      hooks: manifest.hooks ?? {},
      ...(manifest.health === undefined ? {} : { health: manifest.health }),
      entries,
    };
  } finally {
    reader.close();
  }
}
