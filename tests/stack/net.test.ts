// The pg_net stand-in: requests are sent after commit, never after rollback, and responses land in
// net._http_response.
import assert from "node:assert/strict";
import { connect, eventually, stack } from "../_support/stack.ts";

Deno.test("a committed net.http_post reaches a function and its response is recorded", async () => {
  const sql = connect();
  try {
    const [{ id }] = await sql`select net.http_post(${stack.functionUrl("health")}) as id`;
    const row = await eventually(
      async () => {
        const [r] = await sql`select status_code, content, timed_out from net._http_response
                             where id = ${id}`;
        return r;
      },
      5000,
      "the response row",
    );
    assert.equal(row.status_code, 200);
    assert.equal(row.timed_out, false);
    assert.equal(JSON.parse(row.content).status, "ok");
  } finally {
    await sql.end();
  }
});

Deno.test("a net.http_post in a rolled-back transaction is never sent", async () => {
  const sql = connect();
  try {
    let id = "";
    await sql.begin(async (tx) => {
      [{ id }] = await tx`select net.http_post(${stack.functionUrl("health")}) as id`;
      throw new Error("roll back");
    }).catch((error) => assert.equal(error.message, "roll back"));
    assert.ok(id);
    // A committed marker sent afterwards proves the worker ran past where the first would be.
    const [{ id: marker }] = await sql`select net.http_post(${stack.functionUrl("health")}) as id`;
    await eventually(
      async () => {
        const [r] = await sql`select 1 as seen from net._http_response where id = ${marker}`;
        return r;
      },
      5000,
      "the marker response",
    );
    const rows = await sql`select 1 from net._http_response where id = ${id}`;
    assert.equal(rows.length, 0);
  } finally {
    await sql.end();
  }
});

Deno.test("the headers given are sent: the service-role key reaches the function", async () => {
  const sql = connect();
  try {
    const headers = {
      "Content-Type": "application/json",
      Authorization: `Bearer ${stack.serviceKey}`,
    };
    const [{ id }] = await sql`select net.http_post(${stack.functionUrl("me")}, '{"x":1}'::jsonb,
      '{}'::jsonb, ${sql.json(headers)}) as id`;
    const row = await eventually(
      async () => {
        const [r] = await sql`select status_code, content from net._http_response where id = ${id}`;
        return r;
      },
      5000,
      "the response row",
    );
    assert.equal(row.status_code, 200);
    assert.equal(JSON.parse(row.content).role, "service_role");
  } finally {
    await sql.end();
  }
});

Deno.test("a request without a token is refused by the gateway, and the 401 is recorded", async () => {
  const sql = connect();
  try {
    const [{ id }] = await sql`select net.http_post(${stack.functionUrl("me")}) as id`;
    const row = await eventually(
      async () => {
        const [r] = await sql`select status_code from net._http_response where id = ${id}`;
        return r;
      },
      5000,
      "the response row",
    );
    assert.equal(row.status_code, 401);
  } finally {
    await sql.end();
  }
});
