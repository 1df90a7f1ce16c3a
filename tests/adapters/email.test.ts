import assert from "node:assert/strict";
import { EmailAdapter } from "../../supabase/functions/_shared/adapters/email.ts";
import type { DistributionContent } from "../../supabase/functions/_shared/adapters/types.ts";
import { mailchimpEmulator, type MailchimpState } from "../../dev/emulators/mailchimp.ts";
import type { RunningEmulator } from "../../dev/emulators/framework.ts";
import { assertFailure, assertOk, platformRow } from "./helpers.ts";
import { type Relay, relayTo } from "./relay.ts";
import { type TestClock, type ValidationCase, validationTable, withEmulator } from "./emulated.ts";

const KEY = "emulator-key-us1";
const START = "2026-03-03T09:00:00Z";
const CONFIG = { list_id: "list1", from_name: "The Team", reply_to: "team@example.com" };
const email = (title = "March news", extra: Partial<DistributionContent> = {}) => ({
  title,
  body: `<p>Hello</p><p><a href="*|UNSUB|*">Unsubscribe</a></p>`,
  ...extra,
});
type Emu = RunningEmulator<MailchimpState>;

function adapterFor(
  emu: Emu,
  clock: TestClock,
  config: Record<string, unknown> = {},
  credentials: { api_key?: string; access_token?: string } = { api_key: KEY },
) {
  const row = platformRow("email", {
    base_url: `${emu.origin}/3.0`,
    timeout_ms: 500,
    ...CONFIG,
    ...config,
  });
  return new EmailAdapter(row, credentials, { now: () => clock.now });
}

function withMailchimp(
  fn: (adapter: EmailAdapter, emu: Emu, clock: TestClock) => Promise<void>,
  options: Parameters<typeof mailchimpEmulator>[0] = {},
) {
  return withEmulator(
    mailchimpEmulator(options),
    START,
    (emu, clock) => fn(adapterFor(emu, clock), emu, clock),
  );
}

/** The adapter talks to the emulator through a relay that counts and can lose connections. */
function withRelayedMailchimp(
  fn: (adapter: EmailAdapter, emu: Emu, relay: Relay) => Promise<void>,
) {
  return withEmulator(mailchimpEmulator(), START, async (emu, clock) => {
    const relay = relayTo(emu.port);
    const row = platformRow("email", {
      base_url: `${relay.origin}/3.0`,
      timeout_ms: 500,
      ...CONFIG,
    });
    const adapter = new EmailAdapter(row, { api_key: KEY }, { now: () => clock.now });
    try {
      await fn(adapter, emu, relay);
    } finally {
      await relay.close();
    }
  });
}

const sends = (emu: Emu) =>
  emu.requests({ method: "POST" }).filter((r) => r.path.endsWith("/send"));
const creates = (emu: Emu) =>
  emu.requests({ method: "POST" }).filter((r) => r.path === "/3.0/campaigns");

const paths = (emu: Emu) =>
  emu.requests().map((r) => `${r.method} ${r.path.replace(/campaigns\/\w+/, "campaigns/ID")}`);

Deno.test("email: publish creates, fills and sends one campaign", () =>
  withMailchimp(async (adapter, emu) => {
    const result = await adapter.publish(email(), { attemptId: "e-1" });
    assertOk(result);
    assert.match(result.externalUrl, /^http:\/\/eepurl\.com\//);
    assert.deepEqual(paths(emu), [
      "POST /3.0/campaigns",
      "PUT /3.0/campaigns/ID/content",
      "POST /3.0/campaigns/ID/actions/send",
    ]);
    const create = emu.requests()[0];
    assert.equal(create.headers.authorization, `Basic ${btoa(`user:${KEY}`)}`);
    assert.deepEqual(create.body, {
      type: "regular",
      recipients: { list_id: "list1" },
      settings: {
        subject_line: "March news",
        from_name: "The Team",
        reply_to: "team@example.com",
        title: "dist-attempt-e-1",
      },
    });
    const campaign = emu.state.campaigns.get(result.externalId);
    assert.equal(campaign?.status, "sent");
    assert.equal(campaign?.emails_sent, 5000);
  }));

Deno.test("email: an OAuth access token is sent as Bearer", () =>
  withMailchimp(async (_adapter, emu, clock) => {
    const adapter = adapterFor(emu, clock, {}, { access_token: "oauth-token" });
    assertOk(await adapter.publish(email(), { attemptId: "e-2" }));
    assert.equal(emu.requests()[0].headers.authorization, "Bearer oauth-token");
  }, { accessTokens: ["oauth-token"] }));

Deno.test("email: a campaign failing the send checklist is permanent and its draft is removed", () =>
  withMailchimp(async (_adapter, emu, clock) => {
    const adapter = adapterFor(emu, clock, { reply_to: "not-an-address" });
    const f = assertFailure(await adapter.publish(email(), { attemptId: "e-3" }), "permanent");
    assert.match(f.message, /send checklist: From Email/);
    assert.equal(f.outcome, "not_applied");
    assert.equal(emu.state.campaigns.size, 0);
    // Mailchimp refused the send; only then was the checklist read, to say why.
    assert.deepEqual(paths(emu), [
      "POST /3.0/campaigns",
      "PUT /3.0/campaigns/ID/content",
      "POST /3.0/campaigns/ID/actions/send",
      "GET /3.0/campaigns/ID/send-checklist",
      "DELETE /3.0/campaigns/ID",
    ]);
  }));

Deno.test("email: scheduling a campaign failing the send checklist: same failure, draft removed", () =>
  withMailchimp(async (_adapter, emu, clock) => {
    const adapter = adapterFor(emu, clock, { reply_to: "not-an-address" });
    const at = new Date("2026-03-03T10:15:00Z");
    const f = assertFailure(
      await adapter.schedule(email(), at, { attemptId: "e-3s" }),
      "permanent",
    );
    assert.match(f.message, /send checklist: From Email/);
    assert.equal(emu.state.campaigns.size, 0);
  }));

Deno.test("email: native schedule on a quarter hour; the campaign goes out when due", () =>
  withMailchimp(async (adapter, emu, clock) => {
    const at = new Date("2026-03-03T10:15:00Z");
    const result = await adapter.schedule(email(), at, { attemptId: "e-4" });
    assertOk(result);
    assert.equal(result.scheduledFor.toISOString(), at.toISOString());
    const schedule = emu.requests().find((r) => r.path.endsWith("/actions/schedule"));
    assert.deepEqual(schedule?.body, { schedule_time: "2026-03-03T10:15:00.000Z" });
    assert.equal(emu.state.campaigns.get(result.externalId)?.status, "schedule");
    assertFailure(await adapter.getMetrics(result.externalId), "permanent");
    clock.now = new Date("2026-03-03T12:00:00Z");
    const metrics = await adapter.getMetrics(result.externalId);
    assertOk(metrics);
    assert.equal(metrics.metrics.platform_metrics.emails_sent, 5000);
  }));

Deno.test("email: schedule off a quarter hour or in the past is refused before any request", () =>
  withMailchimp(async (adapter, emu) => {
    for (const at of ["2026-03-03T10:07:00Z", "2026-03-03T10:15:30Z", "2026-03-03T08:45:00Z"]) {
      assertFailure(await adapter.schedule(email(), new Date(at), { attemptId: at }), "permanent");
    }
    assert.equal(emu.requests().length, 0);
  }));

Deno.test("email: the emulator itself rejects a schedule_time off the quarter hour", () =>
  withMailchimp(async (_adapter, emu, clock) => {
    const lax = adapterFor(emu, clock, { limits: { scheduleStepMinutes: 1 } });
    const f = assertFailure(
      await lax.schedule(email(), new Date("2026-03-03T10:07:00Z"), { attemptId: "q" }),
      "permanent",
    );
    assert.equal(f.message, "Schedule time must be on the quarter-hour (:00, :15, :30, :45).");
    assert.equal(f.status, 400);
  }));

Deno.test("email: update a scheduled campaign: unschedule, change, reschedule at the same time", () =>
  withMailchimp(async (adapter, emu) => {
    const at = new Date("2026-03-04T08:00:00Z");
    const scheduled = await adapter.schedule(email(), at, { attemptId: "e-5" });
    assertOk(scheduled);
    emu.clearRequests();
    const updated = await adapter.update(scheduled.externalId, email("New subject"));
    assertOk(updated);
    assert.deepEqual(paths(emu), [
      "GET /3.0/campaigns/ID",
      "POST /3.0/campaigns/ID/actions/unschedule",
      "PATCH /3.0/campaigns/ID",
      "PUT /3.0/campaigns/ID/content",
      "GET /3.0/campaigns/ID/send-checklist",
      "POST /3.0/campaigns/ID/actions/schedule",
    ]);
    const campaign = emu.state.campaigns.get(scheduled.externalId);
    assert.equal(campaign?.settings.subject_line, "New subject");
    assert.equal(campaign?.status, "schedule");
    assert.equal(campaign?.send_time?.toISOString(), at.toISOString());
  }));

Deno.test("email: a sent campaign cannot be updated (permanent, nothing changed)", () =>
  withMailchimp(async (adapter, emu) => {
    const sent = await adapter.publish(email(), { attemptId: "e-6" });
    assertOk(sent);
    const f = assertFailure(await adapter.update(sent.externalId, email("Other")), "permanent");
    assert.match(f.message, /is sent/);
    assert.equal(emu.state.campaigns.get(sent.externalId)?.settings.subject_line, "March news");
  }));

Deno.test("email: delete unschedules first; deleting again is idempotent", () =>
  withMailchimp(async (adapter, emu) => {
    const scheduled = await adapter.schedule(email(), new Date("2026-03-04T08:00:00Z"), {
      attemptId: "e-7",
    });
    assertOk(scheduled);
    const deleted = await adapter.delete(scheduled.externalId);
    assertOk(deleted);
    assert.equal(deleted.alreadyDeleted, false);
    assert.equal(emu.state.campaigns.size, 0);
    assert.ok(emu.requests().some((r) => r.path.endsWith("/actions/unschedule")));
    const again = await adapter.delete(scheduled.externalId);
    assertOk(again);
    assert.equal(again.alreadyDeleted, true);
  }));

Deno.test("email: metrics from the report; what email does not have stays absent", () =>
  withMailchimp(async (adapter, _emu, clock) => {
    const sent = await adapter.publish(email(), { attemptId: "e-8" });
    assertOk(sent);
    clock.advance(2 * 3_600_000);
    const early = await adapter.getMetrics(sent.externalId);
    clock.advance(72 * 3_600_000);
    const late = await adapter.getMetrics(sent.externalId);
    assertOk(early);
    assertOk(late);
    const m = late.metrics;
    assert.ok((m.impressions ?? 0) > (early.metrics.impressions ?? 0));
    assert.equal(m.reach, m.platform_metrics.unique_opens);
    assert.ok((m.reach ?? 0) <= 5000);
    assert.equal(typeof m.clicks, "number");
    assert.equal(m.followers_lost, m.platform_metrics.unsubscribed);
    assert.equal(m.platform_metrics.emails_sent, 5000);
    assert.equal(typeof m.platform_metrics.hard_bounces, "number");
    for (const absent of ["likes", "shares", "comments", "saves", "video_views"] as const) {
      assert.equal(m[absent], undefined, absent);
    }
  }));

Deno.test("email: findExisting matches the attempt's sent campaign only", () =>
  withMailchimp(async (adapter, _emu, clock) => {
    const sent = await adapter.publish(email(), { attemptId: "e-9" });
    assertOk(sent);
    const found = await adapter.findExisting({
      attemptId: "e-9",
      content: email(),
      sentAt: clock.now,
    });
    assert.deepEqual(found, {
      ok: true,
      found: true,
      externalId: sent.externalId,
      externalUrl: sent.externalUrl,
    });
    assert.deepEqual(
      await adapter.findExisting({ attemptId: "e-10", content: email(), sentAt: clock.now }),
      { ok: true, found: false },
    );
  }));

Deno.test("email: more than 10 simultaneous connections -> 429 rate_limited", () =>
  withMailchimp(async (adapter) => {
    const results = await Promise.all(
      Array.from({ length: 12 }, () => adapter.findExisting({ attemptId: "c", content: email() })),
    );
    const limited = results.filter((r) => !r.ok && !("unsupported" in r && r.unsupported));
    assert.equal(limited.length, 2);
    for (const r of limited) assertFailure(r, "rate_limited");
  }, { responseDelayMs: 100 }));

Deno.test("email: failure classes", async (t) => {
  await withMailchimp(async (adapter, emu, clock) => {
    await t.step("5xx -> transient", async () => {
      emu.addFault({ mode: "5xx", count: 1, status: 500 });
      const f = assertFailure(await adapter.publish(email(), { attemptId: "f1" }), "transient");
      assert.match(f.message, /unexpected internal error/);
    });
    await t.step("429 -> rate_limited with a reset time", async () => {
      emu.addFault({ mode: "rate_limit", count: 1 });
      const f = assertFailure(await adapter.publish(email(), { attemptId: "f2" }), "rate_limited");
      assert.equal(f.resetAt?.getTime(), clock.now.getTime() + 30_000);
    });
    await t.step("revoked key -> auth", async () => {
      emu.addFault({ mode: "revoke_token", count: 1 });
      const f = assertFailure(await adapter.publish(email(), { attemptId: "f3" }), "auth");
      assert.equal(f.platformCode, "API Key Invalid");
    });
    await t.step("HTML 200 -> failure", async () => {
      emu.addFault({ mode: "html_200", count: 1 });
      const f = assertFailure(await adapter.publish(email(), { attemptId: "f4" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step("HTML 200 on send -> failure, not success", async () => {
      emu.addFault({ mode: "html_200", count: 1, path: "/3.0/campaigns/", method: "POST" });
      const f = assertFailure(await adapter.publish(email(), { attemptId: "f4b" }), "transient");
      assert.equal(f.outcome, "unknown");
    });
    await t.step("timeout on send -> unknown outcome, findExisting finds it", async () => {
      emu.addFault({
        mode: "timeout",
        count: 1,
        path: "/3.0/campaigns/",
        method: "POST",
        afterProcessing: true,
      });
      const f = assertFailure(await adapter.publish(email(), { attemptId: "f5" }), "transient");
      assert.equal(f.outcome, "unknown");
      const found = await adapter.findExisting({
        attemptId: "f5",
        content: email(),
        sentAt: clock.now,
      });
      assertOk(found);
      assert.equal(found.found, true);
    });
    await t.step("invalid per Mailchimp -> permanent with its message", async () => {
      const other = adapterFor(emu, clock, { list_id: "nope" });
      const f = assertFailure(await other.publish(email(), { attemptId: "f6" }), "permanent");
      assert.equal(f.message, "The resource submitted could not be validated.");
    });
  });
});

Deno.test("email: a wrong API key -> auth", () =>
  withMailchimp(async (_adapter, emu, clock) => {
    const adapter = adapterFor(emu, clock, {}, { api_key: "wrong-us1" });
    assertFailure(await adapter.publish(email(), { attemptId: "w" }), "auth");
  }));

Deno.test("email: validation at the limits", async (t) => {
  const adapter = new EmailAdapter(platformRow("email", CONFIG), { api_key: KEY });
  const cases: ValidationCase[] = [
    ["subject 149", email("s".repeat(149)), true],
    ["subject 150", email("s".repeat(150)), true],
    ["subject 151", email("s".repeat(151)), false, /title: 151 characters, Mailchimp allows 150/],
    ["no subject", email(""), false, /title: an email needs a subject line/],
    [
      "no *|UNSUB|*",
      email("x", { body: "<p>hi</p>" }),
      false,
      /body: must contain the \*\|UNSUB\|\*/,
    ],
    ["preview 150", email("x", { platformSpecific: { preview_text: "p".repeat(150) } }), true],
    ["preview 151", email("x", { platformSpecific: { preview_text: "p".repeat(151) } }), false],
    ["bad reply_to", email("x", { platformSpecific: { reply_to: "nope" } }), false, /reply_to/],
  ];
  await validationTable(t, adapter, cases);
  await t.step("list, sender and reply-to are required somewhere", () => {
    const bare = new EmailAdapter(platformRow("email", {}), { api_key: KEY });
    const fields = bare.validate(email()).errors.map((e) => e.field);
    assert.deepEqual(fields, [
      "platformSpecific.list_id",
      "platformSpecific.from_name",
      "platformSpecific.reply_to",
    ]);
  });
});

Deno.test("email: an adapter's calls share one kept-alive connection (the client's pool)", () =>
  withRelayedMailchimp(async (adapter, emu, relay) => {
    assertOk(await adapter.publish(email("one"), { attemptId: "k1" }));
    assertOk(await adapter.publish(email("two"), { attemptId: "k2" }));
    assert.equal(emu.requests().length, 6);
    assert.equal(relay.connections, 1);
  }));

Deno.test("email: a send timed out on a kept-alive connection is not sent again", () =>
  withRelayedMailchimp(async (adapter, emu, relay) => {
    // POST under /3.0/campaigns/ is the send (create is POST /3.0/campaigns).
    const send = { method: "POST", path: "/3.0/campaigns/" };
    emu.addFault({ mode: "timeout", count: 1, ...send, afterProcessing: true });
    const f = assertFailure(await adapter.publish(email(), { attemptId: "t1" }), "transient");
    assert.equal(f.outcome, "unknown");
    assert.equal(sends(emu).length, 1, "sent once");
    assert.equal(relay.connections, 1, "create, content and send shared one connection");
    assertOk(await adapter.publish(email("after"), { attemptId: "t2" }));
    assert.equal(relay.connections, 2, "the timed-out connection is not reused");
  }));

Deno.test("email: the connection lost after the send -> unknown outcome, sent once, found", () =>
  withRelayedMailchimp(async (adapter, emu, relay) => {
    relay.loseAnswerTo("/actions/send");
    const f = assertFailure(await adapter.publish(email(), { attemptId: "l" }), "transient");
    assert.equal(f.outcome, "unknown");
    assert.equal(sends(emu).length, 1, "sent once, never resent by the client");
    assert.equal([...emu.state.campaigns.values()][0]?.status, "sent");
    const found = await adapter.findExisting({ attemptId: "l", content: email() });
    assertOk(found);
    assert.equal(found.found, true);
  }));

Deno.test("email: a bodiless action whose answer is lost is sent once (unschedule, as send)", () =>
  withRelayedMailchimp(async (adapter, emu, relay) => {
    const at = new Date("2026-03-04T08:00:00Z");
    const scheduled = await adapter.schedule(email(), at, { attemptId: "u" });
    assertOk(scheduled);
    // update reads the campaign, then unschedules on the connection that read it
    relay.loseAnswerTo("/actions/unschedule");
    const f = assertFailure(await adapter.update(scheduled.externalId, email("New")), "transient");
    assert.equal(f.outcome, "unknown");
    const unschedules = emu.requests({ method: "POST" }).filter((r) =>
      r.path.endsWith("/actions/unschedule")
    );
    assert.equal(unschedules.length, 1, "sent once");
    assert.equal(relay.connections, 1);
  }));

Deno.test("email: the connection lost after the create -> unknown outcome, created once", () =>
  withRelayedMailchimp(async (adapter, emu, relay) => {
    assertOk(await adapter.publish(email("warm"), { attemptId: "w" }));
    relay.loseAnswerTo("POST /3.0/campaigns HTTP");
    const f = assertFailure(await adapter.publish(email(), { attemptId: "c" }), "transient");
    assert.equal(f.outcome, "unknown");
    assert.equal(creates(emu).length, 2, "the warm-up's and this one, sent once");
    assert.equal(emu.state.campaigns.size, 2);
  }));

Deno.test("email: a kept-alive connection the server closed while idle is not used again", () =>
  withRelayedMailchimp(async (adapter, _emu, relay) => {
    assertOk(await adapter.publish(email("before"), { attemptId: "b" }));
    relay.dropAll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertOk(await adapter.publish(email("after"), { attemptId: "a" }));
    assert.equal(relay.connections, 2);
  }));
