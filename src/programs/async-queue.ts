/**
 * A queue a producer pushes to and one consumer iterates: how drivers turn
 * callbacks (timers, sockets) into a program's async stream of updates.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly waiters: ((result: IteratorResult<T>) => void)[] = [];
  private failure: { error: unknown } | undefined;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: item, done: false });
    else this.items.push(item);
  }

  /** The next item if one is already queued, without taking it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** The next item if one is already queued (for a consumer that can take two at once). */
  takeReady(): T | undefined {
    return this.items.shift();
  }

  /** Ends the stream after the items already pushed. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
  }

  /** Ends the stream with an error, after the items already pushed. */
  fail(error: unknown): void {
    this.failure = { error };
    this.close();
  }

  // A plain iterator, not an async generator: a program's few updates are
  // usually already queued when asked for, and resolving them directly skips
  // the generator's extra promise per item (thousands of runs in a burst).
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: (): Promise<IteratorResult<T>> => {
        if (this.items.length > 0)
          return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.closed) {
          return this.failure
            ? Promise.reject(this.failure.error)
            : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise<IteratorResult<T>>((resolve) => this.waiters.push(resolve)).then(
          (next) => {
            if (next.done && this.failure) throw this.failure.error;
            return next;
          },
        );
      },
    };
  }
}
