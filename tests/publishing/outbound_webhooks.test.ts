// Outbound webhooks: a client's endpoint is told about published and failed distributions, with a
// signature it can verify; a failing endpoint is retried, and every attempt is recorded.
import assert from "node:assert/strict";
import { connect, eventually, invokeService } from "../_support/stack.ts";
import { fakeDirectory, FakePlatform, insertDue, resetQueue, X } from "../_support/queue.ts";
import { DEMO_CLIENT } from "../_support/seed.ts";
import { runPublisher } from "../../supabase/functions/_shared/publishing/runner.ts";
import { verifyWebhook } from "../../supabase/functions/_shared/webhooks/signature.ts";

interface Received {
  headers: Headers;
  body: string;
}

function receiver(status: () => number) {
  const received: Received[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    received.push({ headers: req.headers, body: await req.text() });
    return new Response(null, { status: status() });
  });
  return {
    received,
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    close: () => server.shutdown(),
  };
}

/** The deliveries of an endpoint once no worker holds them (the trigger's own wake-up may be sending). */
async function settled(sql: ReturnType<typeof connect>, endpointId: string) {
  return await eventually(
    async () => {
      const rows =
        await sql`select status from public.webhook_deliveries where endpoint_id = ${endpointId}`;
      return rows.length > 0 && rows.every((r) => r.status !== "delivering") ? rows : undefined;
    },
    10_000,
    "deliveries to settle",
  );
}

/**
 * Delivers (as the wake-up would) until the endpoint's delivery has had `attempts` attempts and is not
 * in flight. A run woken by the queueing trigger may hold the row when this test's run looks, so the
 * test waits for the attempt, whichever run makes it.
 */
async function attempted(sql: ReturnType<typeof connect>, endpointId: string, attempts: number) {
  return await eventually(
    async () => {
      await deliver();
      const rows = await sql`select status, attempts from public.webhook_deliveries
                             where endpoint_id = ${endpointId}`;
      return rows.length > 0 &&
          rows.every((r) => r.status !== "delivering" && r.attempts >= attempts)
        ? rows
        : undefined;
    },
    30_000,
    `${attempts} delivery attempt(s)`,
  );
}

async function deliver() {
  const reply = await invokeService("deliver-webhooks");
  assert.equal(reply.status, 200);
  return reply.body;
}

const quick = {
  budgetMs: 2000,
  batchSize: 50,
  lanes: 1,
  leaseSeconds: 30,
  idlePollMs: 50,
  exitWhenIdle: true,
};

Deno.test("a published and a failed distribution reach the client's endpoint, signed", async () => {
  const sql = connect();
  const hook = receiver(() => 204);
  try {
    await resetQueue(sql);
    await sql`delete from public.webhook_endpoints`;
    const [endpoint] = await sql`insert into public.webhook_endpoints (client_id, url)
      values (${DEMO_CLIENT}, ${hook.url}) returning id, secret`;
    const fake = new FakePlatform();
    // Both rows are sent at once: each one's answer is keyed to its body, not to arrival order.
    fake.byBody.set("refused", {
      kind: "fail",
      failure: {
        ok: false,
        errorClass: "permanent",
        outcome: "not_applied",
        message: "no",
        status: 400,
      },
    });
    const [published, failed] = await insertDue(sql, [
      { platform_id: X, body: "goes out" },
      { platform_id: X, body: "refused" },
    ]);
    await runPublisher(sql, fakeDirectory({}, fake), quick);
    // The trigger queued deliveries in the publisher's transaction; deliver them (as the wake-up would).
    await deliver();
    const events = await eventually(() =>
      Promise.resolve(hook.received.length >= 2 ? hook.received : undefined)
    );
    await settled(sql, endpoint.id);
    const bodies = events.map((e) => JSON.parse(e.body));
    const byId = Object.fromEntries(bodies.map((b) => [b.distribution.id, b]));
    assert.equal(byId[published].event, "distribution.published");
    assert.equal(byId[failed].event, "distribution.failed");
    assert.equal(byId[failed].distribution.error_message, "no");
    for (const e of events) {
      const signature = e.headers.get("x-webhook-signature") ?? "";
      assert.ok(
        await verifyWebhook(endpoint.secret, e.body, signature, new Date()),
        "signature verifies",
      );
      assert.equal(await verifyWebhook("x".repeat(64), e.body, signature, new Date()), false);
    }
    const rows = await sql`select status, attempts, last_status_code from public.webhook_deliveries
      where endpoint_id = ${endpoint.id}`;
    assert.deepEqual(rows.map((r) => [r.status, r.attempts, r.last_status_code]), [
      ["delivered", 1, 204],
      ["delivered", 1, 204],
    ]);
  } finally {
    await sql`delete from public.webhook_endpoints`;
    await hook.close();
    await sql.end();
  }
});

Deno.test("a failing endpoint is retried with backoff, each attempt recorded", async () => {
  const sql = connect();
  let answer = 500;
  const hook = receiver(() => answer);
  try {
    await resetQueue(sql);
    await sql`delete from public.webhook_endpoints`;
    const [endpoint] = await sql`insert into public.webhook_endpoints (client_id, url, events)
      values (${DEMO_CLIENT}, ${hook.url}, array['distribution.published']) returning id`;
    await insertDue(sql, [{ platform_id: X, body: "retry my webhook" }]);
    await runPublisher(sql, fakeDirectory({}, new FakePlatform()), quick);
    // Whichever run published the row (another test's woken publisher may have), its delivery is
    // queued before this test delivers.
    await eventually(
      async () => {
        const rows =
          await sql`select 1 from public.webhook_deliveries where endpoint_id = ${endpoint.id}`;
        return rows.length > 0 ? rows : undefined;
      },
      30_000,
      "the delivery to be queued",
    );
    await attempted(sql, endpoint.id, 1);
    const [first] = await sql`select status, attempts, last_status_code, last_error,
      next_attempt_at > now() as later from public.webhook_deliveries where endpoint_id = ${endpoint.id}`;
    assert.deepEqual({ ...first }, {
      status: "pending",
      attempts: 1,
      last_status_code: 500,
      last_error: "HTTP 500",
      later: true,
    });
    answer = 200;
    await sql`update public.webhook_deliveries set next_attempt_at = now() where endpoint_id = ${endpoint.id}`;
    await attempted(sql, endpoint.id, 2);
    const [second] =
      await sql`select status, attempts, last_status_code from public.webhook_deliveries
      where endpoint_id = ${endpoint.id}`;
    assert.deepEqual({ ...second }, { status: "delivered", attempts: 2, last_status_code: 200 });
    assert.equal(hook.received.length, 2);
  } finally {
    await sql`delete from public.webhook_endpoints`;
    await hook.close();
    await sql.end();
  }
});
