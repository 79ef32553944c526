// Public API of the pack format: manifest types, codecs, path rules, hashing, reading, writing, inspecting.
export { FORMAT_VERSION, oldNodeOf, sameNode } from './manifest.js';
export type { BlobEncoding, BlobRecord, DirNode, EntryAction, FileNode, Manifest, ManifestEntry, NodeType, PackHooks, SymlinkNode, TreeNode } from './manifest.js';
export { CHUNK_SIZE, hashFile, sha256Hex } from './hash.js';
export { STATE_DIR_NAME, checkEntryPath, comparePaths, foldPath, parentPath } from './paths.js';
export { HEADER_SIZE, PACK_MAGIC, decodeHeader, encodeHeader } from './header.js';
export type { PackHeader } from './header.js';
export { decodeManifest, encodeManifest } from './manifest-codec.js';
export { loadManifest, storeManifest } from './manifest-section.js';
export { MAX_ENTRIES, MAX_HOOK_ARGS, MAX_HOOK_ARG_BYTES, MAX_SYMLINK_TARGET_BYTES } from './manifest-parse.js';
export { DEFAULT_ZSTD_LEVEL } from './zstd.js';
export { encodeBlobFromFile } from './blob-encoder.js';
export type { EncodedBlob } from './blob-encoder.js';
export { writePack } from './pack-writer.js';
export type { PayloadSource, WrittenPack } from './pack-writer.js';
export { decodeBlob, openPack, verifyPack } from './pack-reader.js';
export type { PackReader, VerifyProgress } from './pack-reader.js';
export { inspectPack } from './inspect-pack.js';
export type { PackSummary, PackSummaryEntry } from './inspect-pack.js';
