// The publish function end to end: pg queue -> function -> real adapters -> the platform emulators.
import assert from "node:assert/strict";
import { connect, eventually, invokeService } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { KINDS, PLATFORM_IDS } from "../_support/seed.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { emulatorFor } from "../_support/emulators.ts";
import { claimDue } from "../../supabase/functions/_shared/publishing/queue.ts";
import { VaultPlatformDirectory } from "../../supabase/functions/_shared/platforms/directory.ts";
import { contentOf } from "../../supabase/functions/_shared/publishing/attempt.ts";

type Sql = ReturnType<typeof connect>;

async function invokePublish(body: Record<string, unknown> = {}) {
  const reply = await invokeService("publish", {
    budget_ms: 20_000,
    exit_when_idle: true,
    ...body,
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}

async function freshEmulators() {
  for (const kind of KINDS) {
    await emulatorFor(kind).clearFaults();
    await emulatorFor(kind).clearRequests();
  }
}

async function due(sql: Sql, kind: (typeof KINDS)[number], marker: string, dueIn = -1) {
  const content = contentFor(kind, marker, emulatorFor(kind).origin);
  const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS[kind], ...content, dueIn }]);
  return id;
}

/** Waits until the platform's 429 has been recorded (it is paused until a time still ahead). */
async function pausedPlatform(sql: Sql, platformId: string) {
  await eventually(
    async () => {
      const [p] = await sql`select paused_until > now() as paused from public.platforms
      where id = ${platformId}`;
      return p.paused ? true : undefined;
    },
    10_000,
    "the platform to be paused",
  );
}

async function row(sql: Sql, id: string) {
  const [r] = await sql`select status, retry_count, external_id, external_url, error_message
    from public.distributions where id = ${id}`;
  return r;
}

Deno.test("rows due on all eight platforms: each emulator receives each post once", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    const ids: Record<string, string[]> = {};
    for (const kind of KINDS) {
      ids[kind] = [];
      for (let i = 0; i < 3; i++) ids[kind].push(await due(sql, kind, `all-${kind}-${i}`));
    }
    await invokePublish();
    for (const kind of KINDS) {
      const sent = await emulatorFor(kind).publishRequests();
      assert.equal(sent.length, 3, `${kind}: ${sent.length} publish requests`);
      for (const id of ids[kind]) {
        const r = await row(sql, id);
        assert.equal(r.status, "published", `${kind}: ${r.status} ${r.error_message}`);
        assert.ok(r.external_id, `${kind} has an external id`);
      }
      const externalIds = new Set(
        await Promise.all(ids[kind].map(async (id) => (await row(sql, id)).external_id)),
      );
      assert.equal(externalIds.size, 3, `${kind}: distinct external ids`);
    }
  } finally {
    await sql.end();
  }
});

Deno.test("a run that reaches max_posts wakes a successor for the rest: all go out, each once", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await due(sql, "linkedin", `capped-${i}`));
    const first = await invokePublish({ max_posts: 2, batch_size: 2, lanes: 1 });
    assert.equal(first.claimed, 2);
    assert.equal(first.capped, true);
    assert.ok(first.successor, "a successor run was requested through pg_net");
    await eventually(
      async () => {
        const [r] = await sql`select count(*)::int as n from public.distributions
        where id = any(${ids}) and status = 'published'`;
        return r.n === 6 ? r.n : undefined;
      },
      20_000,
      "the successors to publish the rest",
    );
    const sent = await emulatorFor("linkedin").publishRequests();
    assert.equal(sent.length, 6, "each post sent once");
  } finally {
    await sql.end();
  }
});

Deno.test("four overlapping invocations still publish each post exactly once", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    const ids: string[] = [];
    for (const kind of ["x", "wordpress", "linkedin", "email"] as const) {
      for (let i = 0; i < 10; i++) ids.push(await due(sql, kind, `overlap-${kind}-${i}`));
    }
    await Promise.all([1, 2, 3, 4].map(() => invokePublish({ batch_size: 5 })));
    for (const kind of ["x", "wordpress", "linkedin", "email"] as const) {
      assert.equal((await emulatorFor(kind).publishRequests()).length, 10, kind);
    }
    const statuses = await sql`select status, count(*)::int as n from public.distributions
      where id = any(${ids}) group by status`;
    assert.deepEqual(statuses.map((s) => [s.status, s.n]), [["published", 40]]);
  } finally {
    await sql.end();
  }
});

Deno.test("killed after the platform accepted, before recording: reconciled, the post exists once", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    const kinds = ["x", "wordpress", "linkedin", "youtube", "instagram"] as const;
    const ids = [];
    for (const kind of kinds) ids.push(await due(sql, kind, `crash-${kind}`));
    // The worker that dies: it claims with a 1 s lease, sends through the real adapters, and dies
    // before recording anything.
    const directory = new VaultPlatformDirectory(sql);
    const claimed = await claimDue(sql, 20, 1);
    assert.equal(claimed.length, kinds.length);
    for (const c of claimed) {
      const entry = await directory.get(c.platform_id);
      assert.ok(!("error" in entry.adapter));
      const result = await entry.adapter.publish(contentOf(c), { attemptId: c.attempt_id });
      assert.ok(result.ok, JSON.stringify(result));
    }
    await new Promise((r) => setTimeout(r, 1100));
    await invokePublish();
    for (const [i, kind] of kinds.entries()) {
      assert.equal((await emulatorFor(kind).publishRequests()).length, 1, `${kind} posted once`);
      const r = await row(sql, ids[i]);
      assert.equal(r.status, "published", `${kind}: ${r.status} ${r.error_message}`);
    }
  } finally {
    await sql.end();
  }
});

Deno.test("a 5xx then success: published with retry_count 1", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    await emulatorFor("x").addFault({ mode: "5xx", count: 1, method: "POST", path: "/2/tweets" });
    const id = await due(sql, "x", "flaky");
    await invokePublish({ budget_ms: 5000, exit_when_idle: false, idle_poll_ms: 100 });
    const r = await row(sql, id);
    assert.equal(r.status, "published", r.error_message);
    assert.equal(r.retry_count, 1);
  } finally {
    await sql.end();
  }
});

Deno.test("a 429 with a reset time: nothing reaches the platform before it, then published", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    await emulatorFor("x").addFault({
      mode: "rate_limit",
      count: 1,
      resetInSeconds: 2,
      method: "POST",
      path: "/2/tweets",
    });
    const first = await due(sql, "x", "limited-1");
    const run = invokePublish({ budget_ms: 5000, exit_when_idle: false, idle_poll_ms: 100 });
    // The second post falls due once the platform is known to be paused, so it is never in the same
    // batch as the refused one (whatever the machine's speed).
    await pausedPlatform(sql, PLATFORM_IDS.x);
    const second = await due(sql, "x", "limited-2");
    await run;
    const posts = (await emulatorFor("x").requests()).filter((r) =>
      r.method === "POST" && r.path === "/2/tweets"
    );
    const [refused, ...after] = posts;
    assert.ok(refused && after.length === 2, `${posts.length} POST /2/tweets`);
    // The emulator's reset is 2 s after the refused request, sent as whole unix seconds.
    const reset = Date.parse(refused.time) + 2000 - 1000;
    for (const p of after) {
      assert.ok(Date.parse(p.time) >= reset, `sent at ${p.time}, before the reset`);
    }
    assert.equal((await row(sql, first)).status, "published");
    assert.equal((await row(sql, second)).status, "published");
  } finally {
    await sql.end();
  }
});

Deno.test("duplicate content fails at once with the platform's message", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    const first = await due(sql, "x", "same text");
    await invokePublish();
    const again = await due(sql, "x", "same text");
    await invokePublish();
    assert.equal((await row(sql, first)).status, "published");
    const r = await row(sql, again);
    assert.equal(r.status, "failed");
    assert.equal(r.retry_count, 0);
    assert.match(r.error_message, /duplicate content/);
  } finally {
    await sql.end();
  }
});

Deno.test("a revoked token: failed, and the platform is flagged for reconnection", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    await emulatorFor("linkedin").addFault({ mode: "revoke_token" });
    const id = await due(sql, "linkedin", "revoked");
    const run = invokePublish({ budget_ms: 2000, exit_when_idle: false, idle_poll_ms: 100 });
    // The waiting post falls due once the platform is flagged, so it is never sent with the first.
    await eventually(
      async () => {
        const [p] = await sql`select needs_reconnection from public.platforms
        where id = ${PLATFORM_IDS.linkedin}`;
        return p.needs_reconnection ? true : undefined;
      },
      10_000,
      "the platform to be flagged",
    );
    const waiting = await due(sql, "linkedin", "waiting");
    await run;
    const r = await row(sql, id);
    assert.equal(r.status, "failed");
    assert.equal((await row(sql, waiting)).status, "scheduled");
    const [p] = await sql`select needs_reconnection from public.platforms
      where id = ${PLATFORM_IDS.linkedin}`;
    assert.equal(p.needs_reconnection, true);
  } finally {
    await sql.end();
  }
});

Deno.test("a timeout after the platform created the post: reconciled, not sent twice", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    await sql`update public.platforms set publish_config = publish_config || '{"timeout_ms": 500}'::jsonb
      where id = ${PLATFORM_IDS.wordpress}`;
    await emulatorFor("wordpress").addFault({
      mode: "timeout",
      count: 1,
      afterProcessing: true,
      holdMs: 3000,
      method: "POST",
      path: "/wp-json/wp/v2/posts",
    });
    const id = await due(sql, "wordpress", "slow answer");
    await invokePublish({ budget_ms: 6000, exit_when_idle: false, idle_poll_ms: 100 });
    const r = await row(sql, id);
    assert.equal(r.status, "published", r.error_message);
    assert.equal((await emulatorFor("wordpress").publishRequests()).length, 1);
  } finally {
    await sql.end();
  }
});

Deno.test("a 200 HTML page instead of the created post: failed at once with the cause and the fix, not left publishing", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    await freshEmulators();
    // What a WordPress without pretty permalinks answers POST /wp-json/wp/v2/posts with.
    await emulatorFor("wordpress").addFault({
      mode: "html_200",
      count: 1,
      method: "POST",
      path: "/wp-json/wp/v2/posts",
    });
    const id = await due(sql, "wordpress", "home page answer");
    await invokePublish();
    const r = await row(sql, id);
    assert.equal(r.status, "failed", r.error_message);
    assert.equal(r.retry_count, 0);
    assert.match(r.error_message, /answered 200 \(text\/html\)/);
    assert.match(r.error_message, /rest_style to "query"/);
    assert.match(r.error_message, /nothing was created/);
    assert.equal((await emulatorFor("wordpress").publishRequests()).length, 1, "sent once");
  } finally {
    await sql.end();
  }
});
