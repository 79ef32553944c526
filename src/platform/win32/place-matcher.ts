// Whether a process's executable or current directory, as a Win32 path, lies in a directory: the test
// behind ScanOptions.placesUnder on Windows (docs/holders.md).
/**
 * A test of whether a Win32 path is the directory `root` or below it, comparing without case (NTFS names
 * are case-insensitive): the path as a plain drive path without a trailing backslash, or undefined.
 */
export function placeMatcher(root: string): (path: string) => string | undefined {
  const plain = (p: string): string => {
    let q = p.replaceAll('/', '\\');
    // \\?\C:\... (a long-path name) is C:\...
    if (q.startsWith('\\\\?\\') && q[5] === ':') q = q.slice(4);
    // A directory's path as set (C:\dir\) ends in a backslash; a drive's root keeps its own.
    return q.length > 3 && q.endsWith('\\') ? q.slice(0, -1) : q;
  };
  const top = plain(root).toLowerCase();
  const prefix = top.endsWith('\\') ? top : `${top}\\`;
  return (path) => {
    const p = plain(path);
    const lower = p.toLowerCase();
    return lower === top || lower.startsWith(prefix) ? p : undefined;
  };
}
