// Where a crash point runs: a plain directory (process kill only), or a loop-mounted ext4 or xfs image
// whose power is "cut" after the kill: `xfs_io -x -c shutdown` (optionally `-f`, flushing the log first)
// drops whatever was not made durable, then unmount and mount again as after a reboot. Tests that run
// `unshare -m` at the same time copy these mounts into their namespace; see powerCut.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../helpers/tools.js';

export interface Medium {
  /** e.g. `plain`, `ext4`, `xfs -f`. */
  readonly name: string;
  /** A directory on the medium for the point's target. */
  readonly root: string;
  /** Makes everything written so far durable (the state before the operation). */
  sync(): void;
  /** After the kill: lose what was not durable, then come back as after a reboot. */
  powerCut(): void;
  close(): void;
}

export type MediumKind = 'plain' | 'ext4' | 'ext4 -f' | 'xfs' | 'xfs -f';
export const POWER_MEDIA: MediumKind[] = ['ext4', 'ext4 -f', 'xfs', 'xfs -f'];

/** Media open in this process, so that an interrupted run can give back its mounts and loop devices. */
const opened = new Set<Medium>();

/**
 * Closes every medium still open (for a SIGINT/SIGTERM handler): a mount still busy with a killed
 * child's last reference is detached lazily rather than left behind.
 */
export function closeAllMedia(): void {
  for (const m of [...opened]) {
    try {
      m.close();
    } catch {
      try {
        run('umount', ['-l', m.root]);
      } catch {}
    }
  }
}

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function openMedium(kind: MediumKind): Medium {
  const base = mkdtempSync(join(tmpdir(), 'servicepack-crash-'));
  if (kind === 'plain') {
    const root = join(base, 'root');
    mkdirSync(root);
    const medium: Medium = {
      name: kind,
      root,
      sync: () => {},
      powerCut: () => {},
      close: () => {
        opened.delete(medium);
        rmSync(base, { recursive: true, force: true });
      },
    };
    opened.add(medium);
    return medium;
  }
  const [fs, flag] = kind.split(' ') as ['ext4' | 'xfs', string | undefined];
  const image = join(base, 'image');
  const mnt = join(base, 'mnt');
  mkdirSync(mnt);
  let dev: string | undefined;
  let mounted = false;
  let self: Medium | undefined;
  const close = (): void => {
    if (self !== undefined) opened.delete(self);
    try {
      if (mounted) run('umount', [mnt]);
      mounted = false;
    } finally {
      if (dev !== undefined) run('losetup', ['-d', dev]);
      dev = undefined;
      rmSync(base, { recursive: true, force: true });
    }
  };
  try {
    run('truncate', ['-s', fs === 'xfs' ? '320M' : '64M', image]);
    run(fs === 'xfs' ? 'mkfs.xfs' : 'mkfs.ext4', fs === 'xfs' ? ['-q', '-f', image] : ['-q', '-F', image]);
    dev = run('losetup', ['-f', '--show', image]).trim();
    run('mount', [dev, mnt]);
    mounted = true;
  } catch (err) {
    close();
    throw err;
  }
  self = {
    name: kind,
    root: mnt,
    sync: () => void run('sync', ['-f', mnt]),
    powerCut: () => {
      run('xfs_io', ['-x', '-c', flag === '-f' ? 'shutdown -f' : 'shutdown', mnt]);
      run('umount', [mnt]);
      mounted = false;
      // Come back on a fresh loop device: if another mount namespace (any `unshare -m` started while
      // this was mounted) still holds a copy of the mount, the shut-down file system lives on there,
      // and mounting the same device again would hand back that shut-down instance, not the image.
      run('losetup', ['-d', dev!]);
      dev = undefined;
      dev = run('losetup', ['-f', '--show', image]).trim();
      // xfs refuses a second mounted instance with the same UUID, which that copy would be.
      run('mount', fs === 'xfs' ? ['-o', 'nouuid', dev, mnt] : [dev, mnt]);
      mounted = true;
    },
    close,
  };
  opened.add(self);
  return self;
}

/** Why loop-mounted file systems cannot be used here, or null when they can. */
export function powerLossUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'power-loss matrix skipped: mounting loop images needs root';
  const missing = needs('losetup', 'mkfs.ext4', 'mkfs.xfs', 'xfs_io', 'chattr');
  if (missing !== false) return `power-loss matrix skipped: ${missing}`;
  try {
    run('losetup', ['-f']);
  } catch {
    return 'power-loss matrix skipped: no free loop device (losetup -f failed)';
  }
  return null;
}

export function straceUnavailable(): string | null {
  const missing = needs('strace');
  return missing === false ? null : `crash matrix skipped: ${missing}`;
}
