// How much disk the uninstall backups take: the regular files under .servicepack/backup/, each inode
// counted once (a set-aside file may also be hard-linked elsewhere in the backup).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrno } from '../errors/index.js';
import { ioFailed } from '../fs/io-error.js';
import type { Layout } from './layout.js';

export function backupBytes(layout: Layout): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw ioFailed(err, 'read', dir);
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.lstatSync(p, { bigint: true });
        const id = `${st.dev}:${st.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
        total += Number(st.size);
      }
    }
  };
  walk(layout.backup);
  return total;
}
