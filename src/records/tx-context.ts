// What every transaction function is given: the target's layout, the platform and an event sink.
import type { Platform } from '../platform/index.js';
import type { EventSink } from './events.js';
import { layoutOf, type Layout } from './layout.js';

export interface TxContext {
  layout: Layout;
  platform: Platform;
  emit: EventSink;
  /** Polled between the steps of a transaction before its point of no return (TargetOptions.stopRequested). */
  stopRequested?: () => string | null;
}

export function contextFor(target: string, platform: Platform, emit: EventSink = () => {}): TxContext {
  return { layout: layoutOf(target), platform, emit };
}
