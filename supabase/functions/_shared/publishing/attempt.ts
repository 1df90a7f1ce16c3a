// One publish attempt: reconcile earlier attempts whose outcome is unknown, then send at most once, and
// classify what happened. Never throws: whatever goes wrong becomes an Outcome.
import type { PlatformAdapter } from "../adapters/adapter.ts";
import type { DistributionContent, Failure } from "../adapters/types.ts";
import type { ClaimedRow, Outcome } from "./queue.ts";

export function contentOf(row: ClaimedRow): DistributionContent {
  return {
    title: row.title ?? undefined,
    body: row.body,
    mediaUrls: row.media_urls ?? undefined,
    linkUrl: row.link_url ?? undefined,
    platformSpecific: row.platform_specific,
  };
}

function failureOutcome(row: ClaimedRow, failure: Failure): Outcome {
  return {
    id: row.id,
    attempt_id: row.attempt_id,
    outcome: failure.errorClass,
    message: failure.message,
    http_status: failure.status,
    reset_at: failure.errorClass === "rate_limited" ? failure.resetAt.toISOString() : undefined,
  };
}

function unconfirmed(row: ClaimedRow, kind: string, sentAt: string): Outcome {
  return {
    id: row.id,
    attempt_id: row.attempt_id,
    outcome: "unconfirmed",
    message:
      `An attempt sent at ${sentAt} got no answer, and ${kind} offers no way to ask whether it ` +
      `was published. Check the account: if the post is there, set status to published with its ` +
      `external_id; if not, set status to scheduled to send it again.`,
  };
}

type Lookup =
  | { found: true; externalId: string; externalUrl: string }
  | { found: false }
  | { unsupported: true }
  | { failed: string };

async function lookup(
  adapter: PlatformAdapter,
  row: ClaimedRow,
  attemptId: string,
  sentAt: Date,
): Promise<Lookup> {
  try {
    const result = await adapter.findExisting({ attemptId, content: contentOf(row), sentAt });
    if (result.ok) return result;
    if (result.unsupported) return { unsupported: true };
    return { failed: result.message };
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * `sendBefore`: the latest moment this worker may still send. Past it, the lease may have lapsed and
 * another worker may own the row, so nothing is sent (the row is handed back untouched).
 */
export async function runAttempt(
  adapter: PlatformAdapter,
  row: ClaimedRow,
  sendBefore: Date,
): Promise<Outcome> {
  const base = { id: row.id, attempt_id: row.attempt_id };
  const resolved: { id: string; outcome: "found" | "absent" }[] = [];
  const tooLate = (): Outcome | undefined =>
    Date.now() >= sendBefore.getTime()
      ? {
        ...base,
        outcome: "transient",
        message: "not sent: the claim was about to lapse",
        resolved_attempts: resolved,
      }
      : undefined;
  const lapsed = tooLate();
  if (lapsed) return lapsed;

  // A worker died (or timed out) during an earlier attempt: ask the platform before sending anything.
  for (const earlier of row.unresolved_attempts) {
    const found = await lookup(adapter, row, earlier.id, new Date(earlier.started_at));
    if ("unsupported" in found) return unconfirmed(row, adapter.kind, earlier.started_at);
    if ("failed" in found) {
      return { ...base, outcome: "unknown", message: `reconciliation failed: ${found.failed}` };
    }
    if (found.found) {
      resolved.push({ id: earlier.id, outcome: "found" });
      return {
        ...base,
        outcome: "published",
        external_id: found.externalId,
        external_url: found.externalUrl,
        message: `reconciled: published by attempt ${earlier.id}`,
        resolved_attempts: resolved,
      };
    }
    resolved.push({ id: earlier.id, outcome: "absent" });
  }

  const late = tooLate();
  if (late) return late;
  const sentAt = new Date();
  let result;
  try {
    result = await adapter.publish(contentOf(row), { attemptId: row.attempt_id });
  } catch (error) {
    // An adapter that throws may have sent the request: treat it as an unknown outcome.
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...base,
      outcome: "unknown",
      message: `publish threw: ${message}`,
      resolved_attempts: resolved,
    };
  }
  if (result.ok) {
    return {
      ...base,
      outcome: "published",
      external_id: result.externalId,
      external_url: result.externalUrl,
      resolved_attempts: resolved,
    };
  }
  if (result.outcome !== "unknown") {
    return { ...failureOutcome(row, result), resolved_attempts: resolved };
  }

  // Sent, but no answer (timeout, connection lost): look it up now; if it is not there (yet), keep the
  // lease and look again after publish_config.reconcile_after_seconds; never resend blindly.
  const found = await lookup(adapter, row, row.attempt_id, sentAt);
  if ("unsupported" in found) {
    return { ...unconfirmed(row, adapter.kind, sentAt.toISOString()), resolved_attempts: resolved };
  }
  if ("found" in found && found.found) {
    return {
      ...base,
      outcome: "published",
      external_id: found.externalId,
      external_url: found.externalUrl,
      message: `reconciled after: ${result.message}`,
      resolved_attempts: resolved,
    };
  }
  return {
    ...base,
    outcome: "unknown",
    message: `${result.message}; not found on the platform yet, will check again`,
    http_status: result.status,
    resolved_attempts: resolved,
  };
}
