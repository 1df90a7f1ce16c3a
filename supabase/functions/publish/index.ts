// The publish worker, called every minute by pg_cron through pg_net (service role only). It publishes
// whatever is due, and what falls due during its budget, exactly once; see _shared/publishing/. Each run
// holds a slot among the publish runs alive (at most PUBLISH_MAX_RUNS are woken into). A run that stops
// at its CPU budget or max_posts while rows are due (or fall due within a run's budget) hands them to as
// many successors as the backlog needs, woken with the same request into the slots left
// (_shared/publishing/fan-out.ts, bounded), so a burst goes out at once in runs working in parallel, each
// inside a hosted request's 2 s of CPU.
import { z } from "zod";
import { requireServiceRole } from "../_shared/auth.ts";
import { db } from "../_shared/db.ts";
import { handle, json, readOptionalJson } from "../_shared/endpoint.ts";
import { VaultPlatformDirectory } from "../_shared/platforms/directory.ts";
import { envNumber, type StopReason } from "../_shared/cpu-budget.ts";
import { HandoverRequest } from "../_shared/handover.ts";
import { beginRun, endRun, fanOut, SLOT_GRACE_SECONDS } from "../_shared/publishing/fan-out.ts";
import { runPublisher } from "../_shared/publishing/runner.ts";
import { DEFAULT_RUN_OPTIONS } from "../_shared/publishing/run-options.ts";

const PublishRequest = z.object({
  budget_ms: z.number().int().min(0).max(140_000).optional(),
  batch_size: z.number().int().min(1).max(1000).optional(),
  lanes: z.number().int().min(1).max(16).optional(),
  lease_seconds: z.number().int().min(5).max(3600).optional(),
  idle_poll_ms: z.number().int().min(10).max(5000).optional(),
  exit_when_idle: z.boolean().optional(),
  max_posts: z.number().int().min(1).max(1_000_000).optional(),
  cpu_ms_per_post: z.number().min(0.001).max(1000).optional(),
  max_in_flight: z.number().int().min(1).max(100_000).optional(),
  /** The slot the run that woke this one reserved for it (set by a hand-over; absent otherwise). */
  run: z.uuid().optional(),
  ...HandoverRequest,
}).strict();

Deno.serve(handle(async (req) => {
  await requireServiceRole(req);
  const body = await readOptionalJson(req, PublishRequest);
  const d = DEFAULT_RUN_OPTIONS;
  const platforms = new VaultPlatformDirectory(db());
  const budgetMs = body.budget_ms ?? envNumber("PUBLISH_BUDGET_MS") ?? d.budgetMs;
  const slot = await beginRun(
    db(),
    body.run ?? null,
    body.handover ?? 0,
    Math.ceil(budgetMs / 1000) + SLOT_GRACE_SECONDS,
  );
  // The hand-over starts once, as soon as the run's claims end (its batches still out), so successors
  // begin while this run's last sends and records finish, not after them. Its backlog is what falls due
  // within a run's budget, not only now: a retry backing off after a 503 falls due seconds after a
  // burst's runs stopped at their budget, and without a successor it would wait for the next cron tick
  // (bench/burst: the p99 lateness). A successor sleeps until its rows are due.
  let handover: ReturnType<typeof fanOut> | null = null;
  const handOver = (stopped: StopReason, claimed: number) =>
    handover ??= fanOut(db(), { slot, body, stopped, claimed, budgetMs, timeoutMs: 65_000 });
  try {
    const report = await runPublisher(db(), platforms, {
      budgetMs,
      batchSize: body.batch_size ?? d.batchSize,
      lanes: body.lanes ?? d.lanes,
      leaseSeconds: body.lease_seconds ?? d.leaseSeconds,
      idlePollMs: body.idle_poll_ms ?? d.idlePollMs,
      exitWhenIdle: body.exit_when_idle ?? false,
      maxPosts: body.max_posts ?? envNumber("PUBLISH_MAX_POSTS") ?? d.maxPosts,
      cpuBudgetMs: body.cpu_budget_ms ?? envNumber("PUBLISH_CPU_BUDGET_MS") ?? d.cpuBudgetMs,
      cpuMsPerPost: body.cpu_ms_per_post ?? envNumber("PUBLISH_CPU_MS_PER_POST") ?? d.cpuMsPerPost,
      maxInFlight: body.max_in_flight ?? envNumber("PUBLISH_MAX_IN_FLIGHT") ?? d.maxInFlight,
    }, (ended) => void handOver(ended.stopped, ended.claimed).catch(() => {}));
    const result = await handOver(report.stopped, report.claimed);
    return json(200, { ...report, successor: result.successor, handover: result });
  } catch (error) {
    // the slot is freed now rather than at its lease's end; the next cron tick picks up what is left
    await endRun(db(), slot).catch((e) => console.error("freeing the run's slot failed:", e));
    throw error;
  }
}));
