// A counting semaphore per key (per platform): at most `capacity` tasks of one key run at once.
export class KeyedLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  async run<T>(key: string, capacity: number, task: () => Promise<T>): Promise<T> {
    while ((this.running.get(key) ?? 0) >= capacity) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key) ?? [];
        queue.push(resolve);
        this.waiting.set(key, queue);
      });
    }
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    try {
      return await task();
    } finally {
      this.running.set(key, (this.running.get(key) ?? 1) - 1);
      this.waiting.get(key)?.shift()?.();
    }
  }
}

/**
 * Each platform's send slots (its max_concurrency), shared by every publish run in this worker: runs
 * that overlap (one outlasting its minute, a successor it woke) stay within the cap together instead
 * of each sending up to it.
 */
export const sendSlots = new KeyedLimiter();
