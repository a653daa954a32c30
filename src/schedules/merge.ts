import type { Time } from '../time/index.js';

export interface TimedSource<T> {
  /** Items in ascending `time` order. */
  readonly items: Iterator<T>;
  /** Breaks ties between sources at the same time: lower first. */
  readonly order: number;
}

interface Head<T> {
  item: T;
  time: Time;
  source: TimedSource<T>;
}

function before<T>(a: Head<T>, b: Head<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.source.order < b.source.order);
}

/**
 * Merges ascending sources into one ascending sequence, lazily: each source
 * is advanced only when its head is taken, so merging thousands of endless
 * schedules costs one heap entry each. A source that throws is reported to
 * `onError` and dropped; the others continue.
 */
export function* mergeByTime<T extends { time: Time }>(
  sources: Iterable<TimedSource<T>>,
  onError: (source: TimedSource<T>, err: unknown) => void = (_, err) => {
    throw err;
  },
): Generator<T, void, undefined> {
  const heap: Head<T>[] = [];
  const push = (head: Head<T>) => {
    heap.push(head);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Head<T>, heap[parent] as Head<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Head<T>, heap[i] as Head<T>];
      i = parent;
    }
  };
  const pop = (): Head<T> => {
    const top = heap[0] as Head<T>;
    const last = heap.pop() as Head<T>;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Head<T>, heap[m] as Head<T>)) m = l;
        if (r < heap.length && before(heap[r] as Head<T>, heap[m] as Head<T>)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Head<T>, heap[i] as Head<T>];
        i = m;
      }
    }
    return top;
  };
  const advance = (source: TimedSource<T>) => {
    try {
      const next = source.items.next();
      if (!next.done) push({ item: next.value, time: next.value.time, source });
    } catch (err) {
      onError(source, err);
    }
  };
  for (const source of sources) advance(source);
  while (heap.length > 0) {
    const head = pop();
    yield head.item;
    advance(head.source);
  }
}
