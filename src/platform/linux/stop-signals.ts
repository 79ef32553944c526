// SIGINT/SIGTERM through native/stop-signals.c (built into dist/native/stop-signals.node): a signal is
// either reported at once with a prepared message, or, inside a critical section, recorded for the
// transaction to poll between steps. Null where the module is not built or does not load here.
import type { StopSignals } from '../platform.js';
import { loadNativeAddon } from './load-addon.js';

interface NativeModule {
  watch(sigintFd: number, sigintBytes: Buffer, sigtermFd: number, sigtermBytes: Buffer): void;
  defer(on: boolean): number;
  pending(): number;
}

const NAMES: Record<number, 'SIGINT' | 'SIGTERM'> = { 2: 'SIGINT', 15: 'SIGTERM' };

export function nativeStopSignals(): StopSignals | null {
  const native = loadNativeAddon<NativeModule>('stop-signals.node');
  if (native === null) return null;
  const m = native;
  return {
    watch: (r) => m.watch(r.SIGINT.fd, Buffer.from(r.SIGINT.text), r.SIGTERM.fd, Buffer.from(r.SIGTERM.text)),
    defer: () => void m.defer(true),
    resume: () => NAMES[m.defer(false)] ?? null,
    pending: () => NAMES[m.pending()] ?? null,
  };
}
