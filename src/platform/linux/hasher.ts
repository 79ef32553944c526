// SHA-256 on a thread of its own through native/hasher.c (built into dist/native/hasher.node; OpenSSL's
// digest, which the node executable carries). Loaded on first use; where the module is not built or
// does not load here, there is no background hasher and callers hash on their own thread.
import { getSystemErrorName } from 'node:util';
import type { BackgroundHasher } from '../platform.js';
import { loadNativeAddon } from './load-addon.js';

type Handle = object;
interface NativeModule {
  open(): Handle;
  addBuffer(h: Handle, bytes: Buffer): number;
  addFd(h: Handle, fd: number): number;
  /** [sha256, bytes], or [null, errno] for a read that failed. */
  result(h: Handle, job: number): [string, number] | [null, number];
  take(h: Handle, job: number): boolean;
  close(h: Handle): void;
}

let loaded: NativeModule | null | undefined;

function nativeModule(): NativeModule | null {
  if (loaded === undefined) loaded = loadNativeAddon<NativeModule>('hasher.node');
  return loaded;
}

export function backgroundHasher(): BackgroundHasher | null {
  const native = nativeModule();
  if (native === null) return null;
  const h = native.open();
  return {
    addBuffer: (bytes) => native.addBuffer(h, bytes),
    addFd: (fd) => native.addFd(h, fd),
    result(job) {
      const [sha256, n] = native.result(h, job);
      if (sha256 === null) {
        const code = getSystemErrorName(-n);
        throw Object.assign(new Error(`${code}: read failed while hashing`), { code, errno: -n, syscall: 'read' });
      }
      return { sha256, bytes: n };
    },
    take: (job) => native.take(h, job),
    close: () => native.close(h),
  };
}
