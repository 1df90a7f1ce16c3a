// Webhook deliveries through the deliver-webhooks function (black box: rows in, function called as
// pg_cron calls it, rows read back as the tenant reads them). An endpoint on an internal address is
// refused before anything is sent, a refused connection is recorded in words that name no address or
// port, a huge answer does not stop a delivery (only a prefix is read), and an inactive endpoint's
// deliveries are not sent.
import assert from "node:assert/strict";
import { connect, invokeService } from "../_support/stack.ts";
import { DEMO_CLIENT, DEMO_OWNER } from "../_support/seed.ts";

type Sql = ReturnType<typeof connect>;

/** The deliveries of these endpoints as the client's owner reads them (RLS, role authenticated). */
async function asTenant(sql: Sql, endpointIds: string[]) {
  return await sql.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true)`;
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ sub: DEMO_OWNER, role: "authenticated" })
    }, true)`;
    return await tx`select endpoint_id, status, attempts, last_status_code, last_error
      from public.webhook_deliveries where endpoint_id = any(${endpointIds})`;
  });
}

Deno.test("egress webhooks: internal and refused endpoints get scrubbed errors; a huge answer is read as a prefix; inactive endpoints are skipped", async () => {
  const sql = connect();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const hits: string[] = [];
  const big = new Uint8Array(8 * 1024 * 1024).fill(120);
  const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    hits.push(new URL(req.url).pathname);
    await req.text();
    return new Response(big, { status: 200 });
  });
  const endpoints: Record<string, { url: string; active: boolean; id?: string }> = {
    // loopback, but not on the operator's allow-list (the stack lists 127.0.0.1, localhost, [::1])
    internal: { url: "http://127.0.0.2:9/hook", active: true },
    metadata: { url: "http://169.254.169.254/latest/meta-data/", active: true },
    refused: { url: `http://127.0.0.1:${closedPort}/hook`, active: true },
    huge: { url: `http://127.0.0.1:${receiver.addr.port}/huge`, active: true },
    inactive: { url: `http://127.0.0.1:${receiver.addr.port}/inactive`, active: false },
  };
  try {
    for (const endpoint of Object.values(endpoints)) {
      const [row] = await sql`insert into public.webhook_endpoints (client_id, url, is_active)
        values (${DEMO_CLIENT}, ${endpoint.url}, ${endpoint.active}) returning id`;
      endpoint.id = String(row.id);
      await sql`insert into public.webhook_deliveries (client_id, endpoint_id, event, payload)
        values (${DEMO_CLIENT}, ${endpoint.id}, 'distribution.published', '{"event":"distribution.published"}')`;
    }
    const reply = await invokeService("deliver-webhooks");
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const ids = Object.values(endpoints).map((e) => e.id!);
    const rows = await asTenant(sql, ids);
    const by = (name: string) => {
      const found = rows.find((r) => r.endpoint_id === endpoints[name].id);
      assert.ok(found, `${name} has its delivery`);
      return { status: found.status, code: found.last_status_code, error: found.last_error };
    };
    assert.deepEqual(by("internal"), {
      status: "pending",
      code: null,
      error: "destination not allowed: it resolves to a loopback address",
    });
    assert.deepEqual(by("metadata"), {
      status: "pending",
      code: null,
      error: "destination not allowed: it resolves to a cloud metadata address",
    });
    assert.deepEqual(by("refused"), {
      status: "pending",
      code: null,
      error: "connection refused by the destination",
    });
    assert.deepEqual(by("huge"), { status: "delivered", code: 200, error: null });
    assert.deepEqual(by("inactive"), {
      status: "failed",
      code: null,
      error: "not sent: the endpoint is inactive",
    });
    for (const r of rows) {
      assert.doesNotMatch(String(r.last_error ?? ""), /127\.0\.0|169\.254|:\d{2,5}|\bport\b/i);
    }
    assert.deepEqual(hits, ["/huge"], "only the allowed, active endpoint was reached");
  } finally {
    const ids = Object.values(endpoints).map((e) => e.id).filter((id): id is string => !!id);
    await sql`delete from public.webhook_endpoints where id = any(${ids})`;
    await receiver.shutdown();
    await sql.end();
  }
});
