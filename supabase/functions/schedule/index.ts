// The scheduling API (a signed-in user's JWT; every query runs as that user, so RLS applies):
//   POST  /schedule                                    schedule content onto platforms
//   GET   /schedule/distributions/:id                  one distribution
//   PATCH /schedule/distributions/:id                  edit its content (re-adapted, re-validated;
//                                                      a published post on its platform: 202, or 409)
//   POST  /schedule/distributions/:id/reschedule       {at, nearest?} | {optimize: true, horizon_days?}
//   POST  /schedule/distributions/:id/cancel
//   POST  /schedule/distributions/:id/publish-now
//   POST  /schedule/distributions/:id/retry
//   POST  /schedule/distributions/:id/approve           {if_passed?: "refuse" | "next_slot"} (owners, approvers)
//   POST  /schedule/distributions/:id/reject            {reason} (owners, approvers)
//   POST  /schedule/distributions/:id/unpublish         take the live post down (409 where the platform cannot)
// An illegal state change is 409 with the reason; another client's distribution is 404.
// POST /schedule honours an Idempotency-Key header (see _shared/idempotency.ts).
import { z } from "zod";
import { requireUser } from "../_shared/auth.ts";
import { asUser, isUuid } from "../_shared/db.ts";
import { handle, json, readJson, readOptionalJson } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { idempotencyKeyOf, onceAsUser } from "../_shared/idempotency.ts";
import { callReview, callStateChange, type StateChange } from "../_shared/scheduling/contract.ts";
import { schedulingDeps } from "../_shared/scheduling/deps.ts";
import { editDistribution, readDistribution } from "../_shared/scheduling/edit.ts";
import {
  ApproveSchema,
  EditContentSchema,
  RejectSchema,
  RescheduleSchema,
  ScheduleRequestSchema,
} from "../_shared/scheduling/request.ts";
import { scheduleContent } from "../_shared/scheduling/schedule.ts";

const ACTIONS: Record<string, Exclude<StateChange, "reschedule">> = {
  cancel: "cancel",
  "publish-now": "publish_now",
  retry: "retry",
  unpublish: "unpublish",
};

Deno.serve(handle(async (req) => {
  const claims = await requireUser(req);
  const path = new URL(req.url).pathname.replace(/\/+$/, "").split("/").slice(2);
  const [collection, id, action] = path;

  if (path.length === 0) {
    if (req.method !== "POST") throw new HttpError(405, "POST a schedule request");
    const key = idempotencyKeyOf(req);
    const request = await readJson(req, ScheduleRequestSchema);
    return await onceAsUser(claims, "schedule", key, request, async (tx) => {
      const { status, ...body } = await scheduleContent(tx, request, schedulingDeps());
      return {
        status,
        body: status === 400 || status === 409
          ? { error: "No platform could be scheduled", ...body }
          : body,
      };
    });
  }

  if (collection !== "distributions" || !id || path.length > 3) {
    throw new HttpError(404, "Not found: see the routes in supabase/functions/schedule/index.ts");
  }
  if (!isUuid(id)) throw new HttpError(404, "distribution not found");

  if (!action && req.method === "GET") {
    return json(200, await asUser(claims, (tx) => readDistribution(tx, id)));
  }
  if (!action && req.method === "PATCH") {
    const edit = await readJson(req, EditContentSchema);
    const edited = await asUser(claims, (tx) => editDistribution(tx, id, edit, schedulingDeps()));
    // A live post's edit is accepted, not done: the publisher sends it (edit_state follows it).
    return json(edited.live_edit ? 202 : 200, edited);
  }
  if (action === "reschedule" && req.method === "POST") {
    const body = await readJson(req, RescheduleSchema);
    const result = await asUser(
      claims,
      (tx) =>
        callStateChange(tx, "reschedule", id, {
          at: body.at ?? null,
          nearest: body.nearest,
          horizonDays: body.horizon_days,
        }),
    );
    return stateChangeReply(result);
  }
  if (action === "approve" && req.method === "POST") {
    const body = await readOptionalJson(req, ApproveSchema);
    return stateChangeReply(
      await asUser(
        claims,
        (tx) => callReview(tx, id, { approve: true, ifPassed: body.if_passed }),
      ),
    );
  }
  if (action === "reject" && req.method === "POST") {
    const body = await readJson(req, RejectSchema);
    return stateChangeReply(
      await asUser(claims, (tx) => callReview(tx, id, { approve: false, reason: body.reason })),
    );
  }
  if (action && action in ACTIONS && req.method === "POST") {
    await readOptionalJson(req, z.strictObject({})); // these take no fields
    return stateChangeReply(await asUser(claims, (tx) => callStateChange(tx, ACTIONS[action], id)));
  }
  throw new HttpError(405, `${req.method} is not allowed here`);
}));

/** A time the platform's limits or calendar refuse comes back as {ok: false, errors}: a 400 naming them. */
function stateChangeReply(result: unknown): Response {
  const refused = typeof result === "object" && result !== null && "ok" in result &&
    (result as { ok: unknown }).ok === false;
  return json(refused ? 400 : 200, result);
}
