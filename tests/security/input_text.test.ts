// The shared reader and error mapper, and platform text on its way into Postgres: bodies over the
// limit are refused before they are read to the end, a 500 carries only a request id (the function
// log has the error), Postgres errors a value caused are 4xx naming the field, and NUL or a lone
// surrogate from a platform is stored as U+FFFD instead of failing the write.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { z } from "zod";
import { handle, readJson, readOptionalJson } from "../../supabase/functions/_shared/endpoint.ts";
import { pgJson, safeText, textProblems } from "../../supabase/functions/_shared/text.ts";
import { connect, stack } from "../_support/stack.ts";
import { createTenant } from "../scheduling/helpers.ts";

const Schema = z.strictObject({ name: z.string().max(100) });

/** A body that arrives in chunks with no content-length, counting how many chunks were pulled. */
function chunked(chunks: number, size: number) {
  const pulled = { n: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.n >= chunks) return controller.close();
      pulled.n++;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
  return { pulled, req: new Request("http://127.0.0.1/x", { method: "POST", body }) };
}

const served = (fn: (req: Request) => Promise<unknown>) =>
  handle(async (req) => {
    await fn(req);
    return new Response("ok");
  });

Deno.test("a chunked body over the limit is 413 once the count passes it, not read to the end", async () => {
  const { pulled, req } = chunked(1000, 1024);
  const res = await served((r) => readJson(r, Schema, { maxBytes: 8 * 1024 }))(req);
  assert.equal(res.status, 413);
  assert.deepEqual((await res.json()).details, [{
    field: "(body)",
    message: "at most 8192 bytes",
  }]);
  assert.ok(pulled.n < 20, `read ${pulled.n} chunks of 1000`);
});

Deno.test("a declared content-length over the limit is 413 before any byte is read", async () => {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(10));
    },
  });
  const req = new Request("http://127.0.0.1/x", {
    method: "POST",
    body,
    headers: { "content-length": String(2 * 1024 * 1024) },
  });
  const res = await served((r) => readJson(r, Schema))(req);
  assert.equal(res.status, 413);
  // the runtime may buffer a first chunk; reading up to the limit would take 100,000 of them
  assert.ok(pulled <= 1, `pulled ${pulled} chunks`);
});

Deno.test("an empty optional body reads as {}; whitespace too; anything else is checked", async () => {
  const read = (body: string) =>
    readOptionalJson(
      new Request("http://127.0.0.1/x", { method: "POST", body }),
      z.strictObject({}),
    );
  assert.deepEqual(await read(""), {});
  assert.deepEqual(await read(" \n"), {});
  await assert.rejects(read('{"x": 1}'), (e: { status: number; details: unknown }) => {
    assert.equal(e.status, 400);
    assert.deepEqual(e.details, [{ field: "x", message: "unknown field" }]);
    return true;
  });
});

Deno.test("the text rule names every bad string and key by its path", () => {
  assert.deepEqual(
    textProblems({
      ok: "fine \ud83d\ude00",
      list: ["a", "b\u0000"],
      nested: { "bad\ud800key": 1, deep: { v: "\udc00" } },
    }).map((p) => p.field),
    ["list.1", "nested.bad\ufffdkey", "nested.deep.v"],
  );
  assert.equal(safeText("a\u0000b\ud800c\ud83d\ude00"), "a\ufffdb\ufffdc\ud83d\ude00");
});

Deno.test("a 500 carries a request id, not the error; the log has both", async () => {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const secret = 'connect ECONNREFUSED 127.0.0.1:54322 relation "private.x" does not exist';
    const res = await handle(() => Promise.reject(new Error(secret)))(
      new Request("http://127.0.0.1/functions/v1/schedule", { method: "POST" }),
    );
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ["error", "request_id"]);
    assert.equal(body.error, "internal error");
    assert.match(body.request_id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get("x-request-id"), body.request_id);
    assert.ok(!JSON.stringify(body).includes("54322"));
    const line = logged.map((args) => args.map(String).join(" ")).join("\n");
    assert.ok(line.includes(body.request_id), line);
    assert.ok(line.includes(secret), line);
  } finally {
    console.error = original;
  }
});

Deno.test("Postgres errors a value caused are 4xx naming the field; others stay 500", async () => {
  const pg = (code: string, extra: Record<string, string> = {}) =>
    Object.assign(new Error(`pg ${code}`), { code, ...extra });
  const answer = async (error: Error) => {
    const original = console.error;
    console.error = () => {};
    try {
      const res = await handle(() => Promise.reject(error))(new Request("http://127.0.0.1/x"));
      return { status: res.status, body: await res.json() };
    } finally {
      console.error = original;
    }
  };
  // the field named, null for a refusal without fields, undefined for an internal error
  const cases: [Error, number, string | null | undefined][] = [
    [pg("22P02", { column_name: "vertical_id" }), 400, "vertical_id"],
    [pg("22007"), 400, "(body)"],
    [pg("22008"), 400, "(body)"],
    [
      pg("23514", { table_name: "distributions", constraint_name: "distributions_priority_check" }),
      400,
      "priority",
    ],
    [pg("22023", { detail: JSON.stringify([{ field: "at", message: "in the past" }]) }), 400, "at"],
    [
      pg("23505", { table_name: "conversions", constraint_name: "conversions_ref_key" }),
      409,
      "ref",
    ],
    [pg("P0001"), 400, "(body)"],
    [pg("23514", { message: "illegal status change published -> scheduled" }), 409, null],
    [pg("P0002"), 404, null],
    [pg("XX000"), 500, undefined],
    [pg("08006"), 500, undefined],
  ];
  for (const [error, status, field] of cases) {
    const reply = await answer(error);
    assert.equal(reply.status, status, `${(error as Error & { code: string }).code}`);
    if (field) assert.equal(reply.body.details[0].field, field);
    else if (field === null) assert.equal(reply.body.details, undefined);
    else assert.equal(reply.body.error, "internal error");
  }
});

Deno.test("a platform's NUL and lone surrogates are stored as U+FFFD, where raw they fail the write", async () => {
  const sql = connect();
  try {
    const answer = { message: "rate limited\u0000 by \ud800 edge", ids: ["a\u0000"], "k\u0000": 1 };
    await assert.rejects(sql`select ${sql.json(JSON.parse(JSON.stringify(answer)))}::jsonb`);
    const [row] = await sql`select ${sql.json(pgJson(answer))}::jsonb as v`;
    assert.deepEqual(row.v, {
      message: "rate limited\ufffd by \ufffd edge",
      ids: ["a\ufffd"],
      "k\ufffd": 1,
    });
    // a platform's JSON nested 100,000 deep is cut, not a stack overflow
    let deep: unknown = "bottom";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [cut] = await sql`select jsonb_typeof(${sql.json(pgJson({ deep }))}::jsonb) as t`;
    assert.equal(cut.t, "object");
  } finally {
    await sql.end();
  }
});

Deno.test("a signed platform callback event with NUL or a lone surrogate is refused alone, naming it; the clean one is stored", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }]);
    const platformId = tenant.platforms[0];
    const webhookSecret = "input-text-webhook-secret";
    const [secret] = await sql`select vault.create_secret(
      ${JSON.stringify({ access_token: "t", webhook_secret: webhookSecret })},
      ${`input-text-${platformId}`}, 'input text test') as id`;
    await sql`update public.platforms set credentials_secret_id = ${secret.id} where id = ${platformId}`;
    const externalId = `ext-${crypto.randomUUID()}`;
    const cleanId = `ext-${crypto.randomUUID()}`;
    const body = JSON.stringify({
      events: [{
        event_type: "comment\u0000added",
        external_id: externalId,
        payload: { text: "hi \ud800 there", "key\u0000": "v" },
      }, { event_type: "comment_added", external_id: cleanId, payload: { text: "hi there" } }],
    });
    const res = await fetch(`${stack.functionUrl("platform-webhooks")}/${platformId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-signature-256": `sha256=${
          createHmac("sha256", webhookSecret).update(body).digest("hex")
        }`,
      },
      body,
    });
    const reply = await res.json();
    assert.ok(res.status < 500, JSON.stringify(reply));
    const refused = reply.events.filter((e: { outcome: string }) => e.outcome === "refused");
    assert.deepEqual(refused.map((e: { field: string }) => e.field), ["events[0]"]);
    assert.match(refused[0].detail, /NUL or an unpaired surrogate/);
    const rows = await sql`select external_id from public.platform_webhook_events
                           where platform_id = ${platformId}`;
    assert.deepEqual(rows.map((r) => r.external_id), [cleanId], "only the clean event is stored");
  } finally {
    await sql.end();
  }
});
