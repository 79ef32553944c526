// Progress as an async iterator: the events of one call, in order, ending when the call settles.
import type { EventSink, ProgressEvent } from '../records/events.js';

export interface TrackedCall<T> {
  /** The call's events; the iteration ends when the call settles (and throws its error if it failed). */
  events: AsyncIterable<ProgressEvent>;
  /** The call's outcome. */
  result: Promise<T>;
}

/**
 * Starts `call` with an event sink and returns its events as an async iterator beside its result:
 * `const run = trackProgress((onEvent) => install('sp.svp', { target, onEvent }));
 *  for await (const e of run.events) ...; const done = await run.result;`
 */
export function trackProgress<T>(call: (onEvent: EventSink) => Promise<T>): TrackedCall<T> {
  const queue: ProgressEvent[] = [];
  let wake: (() => void) | null = null;
  let over = false;
  const notify = (): void => {
    wake?.();
    wake = null;
  };
  const result = call((e) => {
    queue.push(e);
    notify();
  });
  // The error is the caller's through `result` (and the iterator); this only notes the end.
  result.then(() => undefined, () => undefined).finally(() => {
    over = true;
    notify();
  });
  async function* iterate(): AsyncGenerator<ProgressEvent> {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (over) break;
      await new Promise<void>((r) => (wake = r));
    }
    await result;
  }
  return { events: iterate(), result };
}
