/**
 * Request deadlines watched by one shared timer: a timer set and cleared for every request costs a
 * share of each round trip's CPU, while checking every pending deadline each tick costs next to
 * nothing (bench/RESULTS.md has the figures). A deadline fires at most one tick late.
 */
export interface Deadline {
  readonly at: number;
  readonly onExpire: () => void;
}

export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly tickMs = 20, private readonly now: () => number = Date.now) {}

  /** Call `onExpire` once, `ms` from now, unless the deadline is cleared first. */
  set(ms: number, onExpire: () => void): Deadline {
    const deadline = { at: this.now() + ms, onExpire };
    this.pending.add(deadline);
    this.timer ??= setInterval(() => this.sweep(), this.tickMs);
    return deadline;
  }

  clear(deadline: Deadline): void {
    this.pending.delete(deadline);
    // with nothing pending the timer stops, so it never keeps a process alive on its own
    if (this.pending.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const deadline of this.pending) {
      if (deadline.at > now) continue;
      this.clear(deadline);
      deadline.onExpire();
    }
  }
}

/** The deadlines of every HttpClient in the process. */
export const requestDeadlines = new Deadlines();
