// What a platform says in its headers is clamped before it becomes a time the queue writes: one platform's
// absurd value never throws where a batch of many is recorded.
import assert from "node:assert/strict";
import {
  clampHeaderReset,
  classifyResponse,
  type ErrorProfile,
  MAX_HEADER_RESET_MS,
  resetTime,
} from "../../supabase/functions/_shared/net/classify.ts";
import { thrownOutcome } from "../../supabase/functions/_shared/publishing/batch.ts";
import type { ClaimedRow } from "../../supabase/functions/_shared/publishing/queue.ts";

const NOW = new Date("2026-03-07T12:00:00Z");
const DAY_LATER = new Date(NOW.getTime() + MAX_HEADER_RESET_MS).toISOString();
const PROFILE: ErrorProfile = {
  platform: "Test",
  messagePaths: ["detail"],
  codePaths: [],
  rules: [],
  rateLimitReset: { kind: "after", seconds: 900 },
};
const POLICY_RESET = "2026-03-07T12:15:00.000Z";

const reset = (headers: Record<string, string>) =>
  resetTime(new Headers(headers), PROFILE.rateLimitReset, NOW).toISOString();

Deno.test("x-rate-limit-reset: 1e300 (and Infinity) pause the platform for a day at most, as a writable time", () => {
  assert.equal(reset({ "x-rate-limit-reset": "1e300" }), DAY_LATER);
  assert.equal(reset({ "x-rate-limit-reset": "Infinity" }), DAY_LATER);
  assert.equal(reset({ "x-rate-limit-reset": "99999999999999999999" }), DAY_LATER);
  // the classifier's failure carries it, and recording it does not throw
  const failure = classifyResponse(
    PROFILE,
    { status: 429, headers: new Headers({ "x-rate-limit-reset": "1e300" }), body: {}, text: "" },
    { method: "POST", now: NOW },
  );
  assert.equal(failure.errorClass, "rate_limited");
  assert.equal(failure.resetAt?.toISOString(), DAY_LATER);
});

Deno.test("x-rate-limit-reset: negative, NaN, empty or in the past is no later than now", () => {
  assert.equal(
    reset({ "x-rate-limit-reset": "-5" }),
    POLICY_RESET,
    "negative: the platform's policy",
  );
  assert.equal(reset({ "x-rate-limit-reset": "NaN" }), POLICY_RESET, "NaN: the platform's policy");
  assert.equal(reset({ "x-rate-limit-reset": "soon" }), POLICY_RESET, "not a number: the policy");
  assert.equal(reset({ "x-rate-limit-reset": "" }), POLICY_RESET, "empty: the policy");
  assert.equal(reset({ "x-rate-limit-reset": "1" }), NOW.toISOString(), "1970: now");
});

Deno.test("Retry-After: huge seconds or a far date wait a day at most; negative or NaN fall back", () => {
  assert.equal(reset({ "retry-after": "1e300" }), DAY_LATER);
  assert.equal(reset({ "retry-after": "99999999999" }), DAY_LATER);
  assert.equal(reset({ "retry-after": "Fri, 31 Dec 9999 23:59:59 GMT" }), DAY_LATER);
  assert.equal(reset({ "retry-after": "Thu, 01 Jan 1970 00:00:00 GMT" }), NOW.toISOString());
  assert.equal(reset({ "retry-after": "-30" }), POLICY_RESET);
  assert.equal(reset({ "retry-after": "NaN" }), POLICY_RESET);
  assert.equal(reset({ "retry-after": "30" }), "2026-03-07T12:00:30.000Z", "a sane value is kept");
});

Deno.test("clampHeaderReset keeps any number within [now, now + 24 h]", () => {
  for (const ms of [NaN, -Infinity, -1, 0, Infinity, 1e300, Number.MAX_VALUE]) {
    const at = clampHeaderReset(ms, NOW).getTime();
    assert.ok(at >= NOW.getTime() && at <= NOW.getTime() + MAX_HEADER_RESET_MS, String(ms));
  }
});

Deno.test("a row whose attempt threw: unknown once it may have been sent, else retried unsent", () => {
  const row = {
    id: "d1",
    attempt_id: "a1",
    mode: "publish",
  } as ClaimedRow;
  assert.deepEqual(thrownOutcome(row, new RangeError("Invalid time value"), true), {
    id: "d1",
    attempt_id: "a1",
    outcome: "unknown",
    message: "the worker failed: Invalid time value",
  });
  assert.equal(thrownOutcome(row, new Error("no platform"), false).outcome, "transient");
  assert.equal(
    thrownOutcome({ ...row, mode: "handoff" }, new Error("no platform"), false).outcome,
    "declined",
  );
});
