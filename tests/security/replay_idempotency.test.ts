// Idempotency-Key on POST /schedule and POST /conversions, black-box over HTTP: a retried request
// answers the first answer and writes nothing new; another body is a 422; keys are per user; an
// invalid key is a 400; concurrent requests with one key write once.
import assert from "node:assert/strict";
import { connect, stack } from "../_support/stack.ts";
import { createTenant, type Tenant } from "../scheduling/helpers.ts";
import { insertPublished } from "../metrics/helpers.ts";

type Sql = ReturnType<typeof connect>;

interface Raw {
  status: number;
  text: string;
  replayed: string | null;
}

async function call(
  name: string,
  token: string,
  body: unknown,
  key?: string,
): Promise<Raw> {
  const res = await fetch(stack.functionUrl(name), {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(key === undefined ? {} : { "idempotency-key": key }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    text: await res.text(),
    replayed: res.headers.get("idempotency-replayed"),
  };
}

const schedule = (t: Tenant, body: unknown, key?: string) => call("schedule", t.token, body, key);

function optimized(t: Tenant, text = "A budgeting habit explained in plain words.") {
  return { content: { body: text }, platform_ids: [t.platforms[0]], optimize: true };
}

async function distributions(sql: Sql, t: Tenant): Promise<number> {
  const [row] = await sql`select count(*)::int as n from public.distributions
                          where client_id = ${t.clientId}`;
  return row.n;
}

async function keys(sql: Sql, t: Tenant): Promise<number> {
  const [row] = await sql`select count(*)::int as n from public.idempotency_keys
                          where user_id = ${t.userId}`;
  return row.n;
}

Deno.test("a retried optimize request with one Idempotency-Key creates one distribution and replays the first answer", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const key = `retry-${crypto.randomUUID()}`;
    const first = await schedule(t, optimized(t), key);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.replayed, null);
    const again = await schedule(t, optimized(t), key);
    assert.equal(again.status, first.status);
    assert.equal(again.text, first.text, "the same answer, byte for byte");
    assert.equal(again.replayed, "true");
    assert.equal(await distributions(sql, t), 1, "the retry scheduled nothing new");
    assert.equal(await keys(sql, t), 1);

    const [stored] = await sql`select created_at, status from public.idempotency_keys
                               where user_id = ${t.userId} and key = ${key}`;
    assert.equal(stored.status, 201);
    assert.ok(stored.created_at instanceof Date);
  } finally {
    await sql.end();
  }
});

Deno.test("without an Idempotency-Key every request runs, as before", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const one = await schedule(t, optimized(t));
    const two = await schedule(t, optimized(t));
    assert.equal(one.status, 201, one.text);
    assert.equal(two.status, 201, two.text);
    assert.equal(await distributions(sql, t), 2);
    assert.equal(await keys(sql, t), 0, "no key, nothing stored");
  } finally {
    await sql.end();
  }
});

Deno.test("the same Idempotency-Key with another body is a 422 naming the header and writes nothing", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const key = `k-${crypto.randomUUID()}`;
    assert.equal(
      (await schedule(t, optimized(t, "The first body of this request."), key)).status,
      201,
    );
    const other = await schedule(t, optimized(t, "Another body under the same key."), key);
    assert.equal(other.status, 422, other.text);
    const body = JSON.parse(other.text);
    assert.match(body.error, /Idempotency-Key/);
    assert.deepEqual(body.details.map((d: { field: string }) => d.field), ["Idempotency-Key"]);
    assert.equal(await distributions(sql, t), 1);
  } finally {
    await sql.end();
  }
});

Deno.test("a request refused with a 400 leaves no key behind: the corrected request runs", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const key = `k-${crypto.randomUUID()}`;
    const bad = await schedule(t, { content: { body: "" }, platform_ids: [t.platforms[0]] }, key);
    assert.equal(bad.status, 400, bad.text);
    assert.equal(await keys(sql, t), 0);
    const good = await schedule(t, optimized(t), key);
    assert.equal(good.status, 201, good.text);
    assert.equal(await distributions(sql, t), 1);
  } finally {
    await sql.end();
  }
});

Deno.test("a key belongs to its user: another client's user with the same key gets their own answer", async () => {
  const sql = connect();
  try {
    const a = await createTenant(sql, [{ kind: "x" }]);
    const b = await createTenant(sql, [{ kind: "x" }]);
    const key = `shared-${crypto.randomUUID()}`;
    const fromA = await schedule(a, optimized(a), key);
    assert.equal(fromA.status, 201, fromA.text);

    // B sends A's exact request under A's key: B runs it as B (A's platform is not B's), and
    // never sees A's answer.
    const copy = await schedule(b, optimized(a), key);
    assert.equal(copy.status, 400, copy.text);
    assert.equal(copy.replayed, null);
    assert.ok(!copy.text.includes(JSON.parse(fromA.text).results[0].distribution_id));

    const otherKey = `shared-${crypto.randomUUID()}`;
    const a2 = await schedule(a, optimized(a, "A's second post under its own key."), otherKey);
    const b2 = await schedule(b, optimized(b, "B's post under the very same key."), otherKey);
    assert.equal(a2.status, 201, a2.text);
    assert.equal(b2.status, 201, b2.text);
    assert.equal(await distributions(sql, a), 2);
    assert.equal(await distributions(sql, b), 1);

    const [seen] = await sql.begin(async (tx) => {
      await tx.unsafe("set local role authenticated");
      await tx`select set_config('request.jwt.claims',
                 ${JSON.stringify({ sub: b.userId, role: "authenticated" })}, true)`;
      return await tx`select count(*)::int as n, count(*) filter (where user_id <> ${b.userId})::int
                      as others from public.idempotency_keys`;
    });
    assert.equal(seen.others, 0, "a user reads only their own keys");
    assert.equal(seen.n, 2, "B's two keys: the copied request's answer (400) and its own");
  } finally {
    await sql.end();
  }
});

Deno.test("an invalid Idempotency-Key is a 400 naming the header and writes nothing", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    for (const key of ["x".repeat(256), "tab\tinside", "caf\u00e9", ""]) {
      const res = await schedule(t, optimized(t), key);
      assert.equal(res.status, 400, `${JSON.stringify(key)}: ${res.text}`);
      const body = JSON.parse(res.text);
      assert.deepEqual(body.details.map((d: { field: string }) => d.field), ["Idempotency-Key"]);
    }
    assert.equal(await distributions(sql, t), 0);
    assert.equal((await schedule(t, optimized(t), "x".repeat(255))).status, 201, "255 is allowed");
  } finally {
    await sql.end();
  }
});

Deno.test("concurrent requests with one Idempotency-Key schedule exactly one distribution", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const key = `race-${crypto.randomUUID()}`;
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => schedule(t, optimized(t), key)),
    );
    assert.equal(await distributions(sql, t), 1, "one distribution whatever the interleaving");
    for (const r of replies) assert.ok([201, 409].includes(r.status), `${r.status}: ${r.text}`);
    const answered = replies.filter((r) => r.status === 201);
    assert.ok(answered.length >= 1);
    assert.equal(new Set(answered.map((r) => r.text)).size, 1, "every 201 is the same answer");
  } finally {
    await sql.end();
  }
});

Deno.test("POST /conversions: the same key replays, another body is a 422, one conversion row", async () => {
  const sql = connect();
  try {
    const t = await createTenant(sql, [{ kind: "x" }]);
    const dist = await insertPublished(sql, {
      client_id: t.clientId,
      platform_id: t.platforms[0],
      external_id: `x-${crypto.randomUUID()}`,
    });
    const key = `conv-${crypto.randomUUID()}`;
    const first = await call("conversions", t.token, { distribution_id: dist, value: 10 }, key);
    assert.equal(first.status, 201, first.text);
    const again = await call("conversions", t.token, { distribution_id: dist, value: 10 }, key);
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    const other = await call("conversions", t.token, { distribution_id: dist, value: 11 }, key);
    assert.equal(other.status, 422, other.text);
    const invalid = await call("conversions", t.token, { distribution_id: dist }, "\u00ff");
    assert.equal(invalid.status, 400);
    const [row] = await sql`select count(*)::int as n from public.conversions
                            where client_id = ${t.clientId}`;
    assert.equal(row.n, 1);
    const raced = await Promise.all(
      Array.from(
        { length: 3 },
        () => call("conversions", t.token, { distribution_id: dist, value: 5 }, `${key}-race`),
      ),
    );
    for (const r of raced) assert.ok([201, 409].includes(r.status), `${r.status}: ${r.text}`);
    const [after] = await sql`select count(*)::int as n from public.conversions
                              where client_id = ${t.clientId}`;
    assert.equal(after.n, 2, "the raced key recorded one conversion");
  } finally {
    await sql.end();
  }
});
