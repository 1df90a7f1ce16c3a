// A lane of a publish run: it claims a batch of due rows (hand-offs first), sends it (batch.ts), and
// claims the next while the previous one is still being sent, until the run's wall-clock budget is
// spent, its `maxPosts` are claimed, or its CPU budget has room for no more rows. Between claims it
// withdraws the posts whose distribution was cancelled.
import type { StopReason } from "../cpu-budget.ts";
import { type BatchRun, type InFlight, sendBatch, sleep } from "./batch.ts";
import { claimDue, claimHandoffs, nextDue } from "./queue.ts";
import type { RunOptions } from "./run-options.ts";
import { withdrawCancelled } from "./withdrawals.ts";

/** What the lanes of one run share. */
export interface Run extends BatchRun {
  options: RunOptions;
  /** When the run's budget is spent (epoch ms). */
  deadline: number;
  /** Rows claimed, and asked for by claims still running (lanes claim concurrently): what is left
   * of maxPosts. */
  taken: number;
  /** Rows asked for by claims still running: not yet held by the meter, already spoken for. */
  asking: number;
  /** Why each lane stopped. */
  stops: Set<StopReason>;
  /** Lanes still claiming; the last to stop calls `claimsEnded` (its batches are still out). */
  claiming: number;
  claimsEnded: () => void;
}

/** Marks a lane as done claiming: the run's claims have ended once every lane's have. */
function stopClaiming(run: Run): void {
  run.claiming--;
  if (run.claiming === 0) run.claimsEnded();
}

/** The run's reason among its lanes': a budget that stopped one lane stopped the run. */
export function strongestStop(stops: Set<StopReason>): StopReason {
  for (const reason of ["cpu_budget", "max_posts", "wall"] as const) {
    if (stops.has(reason)) return reason;
  }
  return "drained";
}

export const MAX_BATCHES_IN_FLIGHT = 8;
/** The fewest rows a run claims once its CPU budget is what limits it. */
export const MIN_CLAIM = 25;

/** Most times the poll interval a drained lane waits between looks (250 ms x 8 = 2 s by default). */
export const IDLE_BACKOFF_MAX = 8;

// The database work (claim, record) overlaps the platforms' answers: two batches out at once. A lane
// claims a third (up to MAX_BATCHES_IN_FLIGHT) only when every row it holds has a send slot and only
// answers are outstanding, so a few slow answers (a video upload, a post the platform is still
// processing) do not hold back rows falling due on other platforms, while rows still queued for a
// busy platform make the lane wait.
export async function lane(run: Run): Promise<void> {
  const { sql, options, report } = run;
  const flights: InFlight[] = [];
  let pastDue = 0; // empty claims in a row while a row was already due
  let drained = 0; // empty claims in a row with nothing due yet and nothing held
  let wake: () => void = () => {};
  const progress = () => wake();
  const nextProgress = () => new Promise<void>((resolve) => (wake = resolve));
  // Drops the batches that are done, rethrowing the first failed one's error.
  const reap = async () => {
    for (let i = 0; i < flights.length;) {
      if (!flights[i].finished) {
        i++;
        continue;
      }
      const [flight] = flights.splice(i, 1);
      const error = await flight.done;
      if (error !== undefined) throw error;
    }
  };
  const anyFinished = () => Promise.race(flights.map((f) => f.done));
  const mayClaim = () =>
    flights.length < 2 ||
    (flights.length < MAX_BATCHES_IN_FLIGHT && flights.every((f) => f.unstarted === 0));

  for (;;) {
    if (Date.now() >= run.deadline) {
      run.stops.add("wall");
      break;
    }
    // the run's cap on rows held: wait for any lane's batch to be recorded
    while (!mayClaim() || run.rows.room(run.asking) <= 0) {
      await Promise.race([anyFinished(), nextProgress(), run.rows.freed()]);
      await reap();
    }
    let want = Math.min(
      options.batchSize,
      (options.maxPosts ?? Infinity) - run.taken,
      run.rows.room(run.asking),
    );
    if (want <= 0) {
      // maxPosts counts the rows other lanes' claims still out have asked for: one may come back with
      // fewer (another claim held its platform), so the run is at its cap only once they are in.
      if (run.asking > 0) {
        await run.rows.freed();
        continue;
      }
      report.capped = true;
      run.stops.add("max_posts");
      break;
    }
    // Only what the CPU budget has room for, beside the rows held; a run's first claim always goes,
    // so a chain of runs handing over always makes progress. A claim has a fixed cost (its
    // statements and their triggers) whatever it returns: a sliver of budget left (under MIN_CLAIM
    // rows) is not worth one, and the run stops claiming and hands over instead of claiming a few
    // rows at a time.
    if (run.meter && (report.claimed > 0 || run.taken > 0)) {
      const room = run.meter.room() - run.asking;
      // (once the run has taken a burst's worth: a few posts into a fresh worker, the cost a post
      // measured so far still holds its start-up, and a small claim is what lets it go on)
      if (room <= 0 || (run.taken >= MIN_CLAIM && room < Math.min(want, MIN_CLAIM))) {
        run.stops.add("cpu_budget");
        break;
      }
      want = Math.min(want, room);
    }
    run.taken += want;
    run.asking += want;
    // awaited first: `+=` would read the count before another lane's withdrawals add to it
    const withdrawn = await withdrawCancelled(sql, run.platforms, options.batchSize);
    report.withdrawn += withdrawn;
    const claimedAt = Date.now();
    const handoffs = await claimHandoffs(sql, want, options.leaseSeconds);
    const batch = handoffs.length < want
      ? [...handoffs, ...await claimDue(sql, want - handoffs.length, options.leaseSeconds)]
      : handoffs;
    run.taken -= want - batch.length;
    run.asking -= want;
    run.rows.take(batch.length);
    // The claim is in: what it asked for and did not get is room again, and a lane waiting at
    // maxPosts for it looks again.
    run.rows.wake();
    run.meter?.hold(batch.length);
    // Half the lease for sending; the other half covers the slowest answer and the recording.
    const sendBefore = new Date(claimedAt + options.leaseSeconds * 500);
    if (batch.length === 0) {
      if (flights.length === 0 && options.exitWhenIdle) {
        run.stops.add("drained");
        break;
      }
      const due = options.exitWhenIdle ? null : await nextDue(sql);
      const untilDue = due ? due.getTime() - Date.now() : Infinity;
      // A row due already that no claim returned is being claimed by another worker (look again at
      // once), or waits for its platform (paused, needing reconnection, over its limits): look again
      // after 10, 20, 40 ... ms, up to the poll interval, rather than query in a tight loop.
      pastDue = untilDue > 0 ? 0 : pastDue + 1;
      // A drained lane (nothing due yet, nothing held) looks less often the longer it stays so: the
      // poll interval doubles with each empty look up to IDLE_BACKOFF_MAX times it, never past the
      // next row's time, so a run waiting out its budget after a burst costs the database little.
      drained = untilDue > 0 && flights.length === 0 ? drained + 1 : 0;
      const wait = Math.min(
        untilDue > 0 ? untilDue : pastDue === 1 ? 0 : 10 * 2 ** (pastDue - 2),
        options.idlePollMs * Math.min(IDLE_BACKOFF_MAX, 2 ** Math.max(0, drained - 1)),
      );
      if (flights.length === 0) {
        if (Date.now() + wait >= run.deadline) {
          run.stops.add("wall");
          break;
        }
        await sleep(wait);
      } else {
        // Its outcomes may put rows back in the queue (a retry due now, a released row): look again
        // when a batch is done, or when the next row falls due, whichever comes first.
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          anyFinished(),
          new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, wait)))),
        ]);
        clearTimeout(timer);
        await reap();
      }
      continue;
    }
    pastDue = 0;
    drained = 0;
    report.claimed += batch.length;
    flights.push(sendBatch(run, batch, sendBefore, progress));
    await reap();
  }
  stopClaiming(run);
  while (flights.length > 0) {
    await anyFinished();
    await reap();
  }
}
