// Every target command starts here: the target must be an existing directory.
import fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';

export function requireTarget(target: string): void {
  try {
    if (fs.statSync(target).isDirectory()) return;
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
  }
  throw new ServicePackError('TARGET_NOT_FOUND', `target ${target} is not a directory`, {
    hint: 'Pass the installation directory with --target.',
    details: { path: target },
  });
}
