// One attempt on one claimed row: reconcile earlier attempts whose outcome is unknown, confirm a post the
// platform already holds, then send at most once (publish now, or hand it to the platform for later), and
// classify what happened. Never throws: whatever goes wrong becomes an Outcome.
import type { PlatformAdapter } from "../adapters/adapter.ts";
import type { DistributionContent, Failure, PublishResult } from "../adapters/types.ts";
import { HTTP_SETTINGS } from "../adapters/settings.ts";
import type { ClaimedRow, Outcome, OutcomeKind } from "./queue.ts";

type Resolved = { id: string; outcome: "found" | "absent" }[];

export function contentOf(row: ClaimedRow): DistributionContent {
  return {
    title: row.title ?? undefined,
    body: row.body,
    mediaUrls: row.media_urls ?? undefined,
    linkUrl: row.link_url ?? undefined,
    platformSpecific: row.platform_specific,
  };
}

type Lookup =
  | { found: true; externalId: string; externalUrl: string }
  | { found: false }
  | { unsupported: true }
  | LookupFailure;

/** `status`: the HTTP status the platform answered the look-up with, if it answered with an error. */
type LookupFailure = { failed: string; status?: number };

async function lookup(
  adapter: PlatformAdapter,
  row: ClaimedRow,
  attemptId: string,
  sentAt: Date,
  acceptedRef?: string,
): Promise<Lookup> {
  try {
    const result = await adapter.findExisting({
      attemptId,
      content: contentOf(row),
      sentAt,
      acceptedRef,
    });
    if (result.ok) return result;
    if (result.unsupported) return { unsupported: true };
    return { failed: result.message, status: result.status };
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/** When a rate limit lifts, as recorded: an invalid time (an adapter's arithmetic on a platform's value)
 * waits the fallback, as a 429 that says nothing does. */
function resetIso(at: Date): string {
  const ms = at.getTime();
  return new Date(
    Number.isFinite(ms) ? ms : Date.now() + HTTP_SETTINGS.fallbackRateLimitSeconds * 1000,
  ).toISOString();
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a platform allows a reclaimed row (from its publish_config). */
export interface ReclaimPolicy {
  /** max_lapses (3): at that many lapsed claims, the row fails instead of being sent again. */
  maxLapses: number;
  /**
   * reconcile_max_seconds (86,400): how long after an unanswered attempt was sent its look-ups may keep
   * failing (the platform still processing it, or its look-up erring) before the row is parked as
   * unconfirmed for a person, instead of being asked about forever.
   */
  reconcileMaxSeconds: number;
}

export const DEFAULT_RECLAIM_POLICY: ReclaimPolicy = { maxLapses: 3, reconcileMaxSeconds: 86_400 };

class Attempt {
  readonly resolved: Resolved = [];

  constructor(
    private readonly adapter: PlatformAdapter,
    private readonly row: ClaimedRow,
    private readonly sendBefore: Date,
    /** Claims of the row that lapsed without an outcome (the one just reclaimed included). */
    private readonly lapses: number,
    private readonly policy: ReclaimPolicy,
  ) {}

  private outcome(outcome: OutcomeKind, extra: Partial<Outcome> = {}): Outcome {
    return {
      id: this.row.id,
      attempt_id: this.row.attempt_id,
      outcome,
      resolved_attempts: this.resolved,
      ...extra,
    };
  }

  /** The post exists on the platform: published if it is due, handed off if it is for later. */
  private found(post: { externalId: string; externalUrl: string }, message?: string): Outcome {
    return this.outcome(this.row.mode === "handoff" ? "handed_off" : "published", {
      external_id: post.externalId,
      external_url: post.externalUrl,
      message,
    });
  }

  /**
   * An earlier attempt the platform could not tell us about: asked again later, until
   * reconcile_max_seconds after it was sent; then a person decides.
   */
  private unsettled(sentAt: string, failure: LookupFailure): Outcome {
    if (Date.now() - Date.parse(sentAt) < this.policy.reconcileMaxSeconds * 1000) {
      // An error status counts among the platform's API errors; "still processing" does not.
      return this.outcome("unsettled", {
        message: `reconciliation failed: ${failure.failed}`,
        http_status: failure.status,
      });
    }
    const hours = Number((this.policy.reconcileMaxSeconds / 3600).toFixed(2));
    return this.outcome("unconfirmed", {
      message:
        `An attempt sent at ${sentAt} could not be confirmed on ${this.adapter.kind} within ` +
        `${hours} h (the last look-up: ${failure.failed}). Check the account: if the ` +
        `post is there, set status to published with its external_id; if not, set status to ` +
        `scheduled to send it again.`,
    });
  }

  private unconfirmed(sentAt: string): Outcome {
    return this.outcome("unconfirmed", {
      message:
        `An attempt sent at ${sentAt} got no answer, and ${this.adapter.kind} offers no way ` +
        `to ask whether it was published. Check the account: if the post is there, set status to ` +
        `published with its external_id; if not, set status to scheduled to send it again.`,
    });
  }

  /** Past its send window this worker may no longer own the row: hand it back unsent, attempts untouched. */
  private tooLate(): Outcome | undefined {
    return Date.now() >= this.sendBefore.getTime()
      ? this.outcome("released", { message: "not sent: the claim was about to lapse" })
      : undefined;
  }

  async run(): Promise<Outcome> {
    const lapsed = this.tooLate();
    if (lapsed) return lapsed;

    // A worker died (or timed out) during an earlier attempt: ask the platform before sending anything.
    for (const earlier of this.row.unresolved_attempts) {
      const found = await lookup(
        this.adapter,
        this.row,
        earlier.id,
        new Date(earlier.started_at),
        earlier.external_id ?? undefined,
      );
      if ("unsupported" in found) return this.unconfirmed(earlier.started_at);
      if ("failed" in found) return this.unsettled(earlier.started_at, found);
      this.resolved.push({ id: earlier.id, outcome: found.found ? "found" : "absent" });
      if (found.found) return this.found(found, `reconciled: sent by attempt ${earlier.id}`);
    }

    // Not on the platform, and every worker that took this row stopped before it could say so: a post that
    // stops its workers (an upload longer than a function may run, media that exhausts its memory) is not
    // sent forever. A person decides.
    if (this.lapses >= this.policy.maxLapses) {
      return this.outcome("permanent", {
        message: `Its worker stopped ${this.lapses} times while publishing this post, before ` +
          `an outcome could be recorded (killed at a function's wall-clock or memory limit, or ` +
          `crashed), and the post is not on ${this.adapter.kind}; not sent again. Look for what ` +
          `stops it (a video too large to upload in time?), then set status to scheduled to try ` +
          `once more.`,
      });
    }

    // Handed to the platform earlier and due now: confirm the platform still has it.
    const handedOff = this.row.native_state === "handed_off" && this.row.native_attempt_id;
    if (this.row.mode === "publish" && handedOff && this.row.native_attempt_id) {
      const held = await lookup(this.adapter, this.row, this.row.native_attempt_id, new Date(0));
      if ("failed" in held) {
        return this.outcome("unknown", { message: `confirming: ${held.failed}` });
      }
      if ("unsupported" in held && this.row.external_id) {
        return this.found({
          externalId: this.row.external_id,
          externalUrl: this.row.external_url ?? "",
        }, "confirmed by the platform's acceptance of the hand-off");
      }
      if ("found" in held && held.found) return this.found(held, "scheduled on the platform");
      // The platform no longer holds it (withdrawn there by hand): send it now.
    }

    const late = this.tooLate();
    if (late) return late;
    return this.row.mode === "handoff" ? await this.handOff() : await this.publish();
  }

  private async send(
    call: () => Promise<PublishResult | { ok: false; unsupported: true; message: string }>,
  ): Promise<Outcome> {
    const sentAt = new Date();
    let result;
    try {
      result = await call();
    } catch (error) {
      // An adapter that throws may have sent the request: treat it as an unknown outcome.
      return this.outcome("unknown", { message: `the adapter threw: ${errorMessage(error)}` });
    }
    if (result.ok) {
      return this.found({ externalId: result.externalId, externalUrl: result.externalUrl });
    }
    if ("unsupported" in result && result.unsupported) {
      return this.outcome("declined", { message: result.message, error_class: "permanent" });
    }
    const failure = result as Failure;
    if (failure.outcome !== "unknown") return this.failed(failure);

    // Sent, but no answer (timeout, connection lost): look it up now; if it is not there (yet), keep the
    // lease and look again after publish_config.reconcile_after_seconds. Never resend blindly.
    const found = await lookup(
      this.adapter,
      this.row,
      this.row.attempt_id,
      sentAt,
      failure.acceptedRef,
    );
    if ("unsupported" in found) return this.unconfirmed(sentAt.toISOString());
    if ("found" in found && found.found) {
      return this.found(found, `reconciled after: ${failure.message}`);
    }
    // The platform answered, creates within the request, and holds nothing from this attempt: nothing
    // was created, and sending again would meet the same answer. A person fixes the cause.
    const answered = failure.status !== undefined && failure.status >= 200 && failure.status < 300;
    if ("found" in found && answered && this.adapter.createsSynchronously) {
      return this.failed({
        ...failure,
        errorClass: "permanent",
        resetAt: undefined,
        outcome: "not_applied",
        message: `${failure.message}. The look-up after that answer finds no such post on ` +
          `${this.adapter.kind}, so nothing was created; not sent again until the cause is ` +
          `fixed (then retry).`,
      });
    }
    // The platform's name for what it accepted goes with the attempt: the next look-up asks about it.
    return this.outcome("unknown", {
      message: `${failure.message}; not found on the platform yet, will check again`,
      http_status: failure.status,
      external_id: failure.acceptedRef,
    });
  }

  private failed(failure: Failure): Outcome {
    const details = {
      message: failure.message,
      http_status: failure.status,
      reset_at: failure.errorClass === "rate_limited" ? resetIso(failure.resetAt) : undefined,
    };
    // A refused hand-off is not a failed post: it goes out at its time the usual way.
    if (this.row.mode === "handoff") {
      return this.outcome("declined", { ...details, error_class: failure.errorClass });
    }
    return this.outcome(failure.errorClass, details);
  }

  private publish(): Promise<Outcome> {
    return this.send(() =>
      this.adapter.publish(contentOf(this.row), { attemptId: this.row.attempt_id })
    );
  }

  private handOff(): Promise<Outcome> {
    const schedule = this.adapter.schedule?.bind(this.adapter);
    if (!schedule) {
      return Promise.resolve(this.outcome("declined", {
        message: `${this.adapter.kind} has no native scheduling`,
        error_class: "permanent",
      }));
    }
    return this.send(() =>
      schedule(contentOf(this.row), this.row.scheduled_for, { attemptId: this.row.attempt_id })
    );
  }
}

/**
 * `sendBefore`: the latest moment this worker may still send. Past it, the lease may have lapsed and
 * another worker may own the row, so nothing is sent (the row is handed back untouched).
 */
export function runAttempt(
  adapter: PlatformAdapter,
  row: ClaimedRow,
  sendBefore: Date,
  lapses = 0,
  policy: ReclaimPolicy = DEFAULT_RECLAIM_POLICY,
): Promise<Outcome> {
  return new Attempt(adapter, row, sendBefore, lapses, policy).run();
}
