// Writes that landed in a set-aside file after the commit: a process that had the old file open kept
// writing to it, and its writes went to the backup under .servicepack/backup/<txid>/files/, not to the
// installed file. Found by the backup record's stamps (inode, size, modification time; the change time
// moves with the set-aside link and rename), and by hashing the file again when they differ. Reported by
// clean-up, status and uninstall with the backup path the writes went to (docs/cleanup.md).
import * as fs from 'node:fs';
import { hasErrno, isServicePackError } from '../errors/index.js';
import { ioFailed, withIo } from '../fs/io-error.js';
import { hashFile } from '../format/hash.js';
import type { TreeNode } from '../format/manifest.js';
import type { FileStamp } from '../inventory/file-snapshot.js';
import { readBackupRecord, type BackupRecord, type SetAsideStamp } from './backup-record.js';
import { STATE_DIR_NAME, backupFilesOf, type Layout } from './layout.js';
import type { InstalledState } from './state-file.js';

export interface BackupWrite {
  /** The install whose backup holds the file. */
  txid: string;
  /** The installed path whose old version was set aside. */
  path: string;
  /** Where the writes went: the set-aside file, relative to the target. */
  backup: string;
  /** The old version's sha256, as set aside; and what the set-aside file holds now. */
  expected: string;
  actual: string;
}

export const setAsideStampOf = (s: FileStamp): SetAsideStamp => ({ ino: String(s.ino), size: String(s.size), mtimeNs: String(s.mtimeNs) });

/** The set-aside files of every installed service pack that were written after they were set aside. */
export function findBackupWrites(layout: Layout, state: InstalledState | null): BackupWrite[] {
  const writes: BackupWrite[] = [];
  for (const h of state?.history ?? []) {
    // A pruned pack's backup is gone (or going) on purpose.
    if (h.pruned === true) continue;
    let record: BackupRecord;
    try {
      record = readBackupRecord(layout, h.txid);
    } catch (err) {
      // A damaged record is not a write; uninstall reports it (BACKUP_DAMAGED).
      if (isServicePackError(err) && err.code === 'BACKUP_DAMAGED') continue;
      throw err;
    }
    for (const t of record.transitions) {
      const w = t.from?.type === 'file' ? backupWriteOf(layout, record, t.path, t.from) : null;
      if (w !== null) writes.push(w);
    }
  }
  return writes;
}

/**
 * The write to `path`'s set-aside file, if it was written: it is still the inode that was set aside but
 * no longer holds the old content. Null when it is intact, and also when it is missing or another file
 * (damage, not a write: uninstall reports those as BACKUP_DAMAGED), or when the record has no stamps.
 */
export function backupWriteOf(layout: Layout, record: BackupRecord, path: string, old: TreeNode): BackupWrite | null {
  const was = record.setAside?.[path];
  if (was === undefined || old.type !== 'file') return null;
  const rel = `${backupFilesOf(record.txid)}/${path}`;
  const abs = `${layout.dir}/${rel}`;
  let st: fs.BigIntStats;
  try {
    st = fs.lstatSync(abs, { bigint: true });
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw ioFailed(err, 'lstat', abs);
  }
  if (!st.isFile() || String(st.ino) !== was.ino) return null;
  if (String(st.size) === was.size && String(st.mtimeNs) === was.mtimeNs) return null;
  // In doubt (touched, or its inode reused by a copy of the same bytes): the content decides.
  const { sha256 } = withIo('read', abs, () => hashFile(abs));
  if (sha256 === old.sha256) return null;
  return { txid: record.txid, path, backup: `${STATE_DIR_NAME}/${rel}`, expected: old.sha256, actual: sha256 };
}
