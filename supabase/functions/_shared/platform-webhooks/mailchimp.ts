// Mailchimp webhooks: form-encoded POSTs (type=campaign|unsubscribe|cleaned|..., data[...]) and a
// GET validation ping. Mailchimp does not sign: the callback URL carries a secret token, either as
// the path segment after the platform id or as ?token=, compared with the platform's webhook_token.
// A post carries one event: its id is the hash of the whole form (a resent form adds nothing) and
// fired_at is its timestamp (an old one is refused by the window).
import { createHash } from "node:crypto";
import { HttpError } from "../http-error.ts";
import type { Parsed, WebhookEvent } from "./events.ts";
import type { WebhookSecrets } from "./secrets.ts";
import { tokensEqual } from "./verify.ts";

export function requireMailchimpToken(
  pathToken: string | undefined,
  url: URL,
  secrets: WebhookSecrets,
) {
  const given = pathToken ?? url.searchParams.get("token");
  if (!given) throw new HttpError(401, "missing webhook token");
  if (!secrets.webhook_token || !tokensEqual(given, secrets.webhook_token)) {
    throw new HttpError(403, "webhook token does not match");
  }
}

/** Mailchimp's fired_at ("2009-03-26 21:35:57", UTC). */
function firedAt(value: string | null): string | undefined {
  if (!value) return undefined;
  const at = new Date(`${value.replace(" ", "T")}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** The form's one event (or none for a type we do not handle), screened like any other. */
export function mailchimpEvents(form: URLSearchParams): Parsed {
  const fired = form.get("fired_at");
  const at = firedAt(fired);
  if (fired !== null && at === undefined) {
    return {
      candidates: [],
      refused: [{ field: "fired_at", message: "expected YYYY-MM-DD HH:MM:SS (UTC)" }],
      skipped: [],
    };
  }
  const pairs = [...form.entries()].sort(([a, x], [b, y]) =>
    a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0
  );
  const eventId = `mailchimp:${createHash("sha256").update(JSON.stringify(pairs)).digest("hex")}`;
  const event = eventOf(form, at);
  return event
    ? {
      candidates: [{ field: "(form)", event: { event_id: eventId, ...event } }],
      refused: [],
      skipped: [],
    }
    : {
      candidates: [],
      refused: [],
      skipped: [{ field: "type", message: `type ${form.get("type") ?? ""} is not handled` }],
    };
}

function eventOf(form: URLSearchParams, at: string | undefined): WebhookEvent | undefined {
  const type = form.get("type") ?? "";
  if (type === "campaign") {
    const id = form.get("data[id]");
    if (!id) return undefined;
    const status = form.get("data[status]");
    return {
      event_type: `mailchimp.campaign.${status ?? "unknown"}`,
      external_id: id,
      occurred_at: at,
      ...(status === "sent" ? { status: "sent" as const } : {}),
      payload: { subject: form.get("data[subject]"), reason: form.get("data[reason]") },
    };
  }
  const campaign = form.get("data[campaign_id]");
  if ((type === "unsubscribe" || type === "cleaned") && campaign) {
    return {
      event_type: `mailchimp.${type}`,
      external_id: campaign,
      occurred_at: at,
      platform_metric_increments: { [type === "unsubscribe" ? "unsubscribes" : "cleaned"]: 1 },
      payload: { reason: form.get("data[reason]") },
    };
  }
  return undefined;
}
