// Files Windows deletes at the next boot: scheduling one (MoveFileExW with MOVEFILE_DELAY_UNTIL_REBOOT,
// which needs an administrator) and listing those waiting (PendingFileRenameOperations), for `status`.
import { HKLM_SESSION_MANAGER, readMultiString } from './registry.js';
import { win32 } from './win32-api.js';

const MOVEFILE_DELAY_UNTIL_REBOOT = 0x4;
const ERROR_ACCESS_DENIED = 5;
const ERROR_PRIVILEGE_NOT_HELD = 1314;

/**
 * Asks Windows to delete `path` at the next boot, before any process can load it. False when refused
 * because this process is not elevated (only administrators may write the list); other failures throw.
 */
export function scheduleDeleteAtReboot(path: string): boolean {
  const api = win32();
  if (api.MoveFileExW(path, null, MOVEFILE_DELAY_UNTIL_REBOOT)) return true;
  const error = api.GetLastError() as number;
  if (error === ERROR_ACCESS_DENIED || error === ERROR_PRIVILEGE_NOT_HELD) return false;
  throw new Error(`MoveFileExW(${JSON.stringify(path)}, NULL, MOVEFILE_DELAY_UNTIL_REBOOT) failed: error ${error}`);
}

/** The paths waiting to be deleted at the next boot (renames waiting are left out), as Win32 paths. */
export function pendingRebootDeletes(): string[] {
  const fields = readMultiString(HKLM_SESSION_MANAGER, 'PendingFileRenameOperations');
  return fields === null ? [] : deletesOf(fields);
}

/**
 * The value holds pairs (source, destination) of NT paths (\??\C:\...); an empty destination means
 * delete. Empty strings are part of the data, so the pairs are read by count, not up to a double NUL.
 */
export function deletesOf(fields: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const source = fields[i]!;
    if (source === '') break;
    if (fields[i + 1] === '') out.push(source.startsWith('\\??\\') ? source.slice(4) : source);
  }
  return out;
}
