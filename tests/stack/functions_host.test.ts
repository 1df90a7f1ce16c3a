import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import type { Database } from "../../supabase/functions/_shared/database.types.ts";
import { signJwt, stack, userJwt } from "../_support/stack.ts";

async function call(name: string, token?: string): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(stack.functionUrl(name), { headers });
  return { status: res.status, body: await res.json() };
}

Deno.test("health answers without a token (verify_jwt = false in config.toml)", async () => {
  const { status, body } = await call("health");
  assert.equal(status, 200);
  assert.equal((body as { status: string }).status, "ok");
});

Deno.test("a function with verify_jwt on refuses a missing token with a 401 JSON body", async () => {
  const { status, body } = await call("me");
  assert.equal(status, 401);
  assert.match((body as { message: string }).message, /Missing authorization header/);
});

Deno.test("a malformed token gets 401", async () => {
  assert.equal((await call("me", "not-a-jwt")).status, 401);
  const res = await fetch(stack.functionUrl("me"), { headers: { authorization: "Basic abc" } });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("content-type"), "application/json");
  await res.body?.cancel();
});

Deno.test("a token signed with another secret gets 401", async () => {
  const forged = await signJwt({ role: "service_role" }, { secret: "x".repeat(40) });
  const { status, body } = await call("me", forged);
  assert.equal(status, 401);
  assert.match((body as { message: string }).message, /Invalid JWT/);
});

Deno.test("an expired token gets 401", async () => {
  const expired = await userJwt(crypto.randomUUID(), { expiresIn: -10 });
  const { status, body } = await call("me", expired);
  assert.equal(status, 401);
  assert.match((body as { message: string }).message, /expired/);
});

Deno.test("a valid anon key reaches the function, which sees role anon", async () => {
  const { status, body } = await call("me", stack.anonKey);
  assert.equal(status, 200);
  assert.deepEqual(body, { role: "anon", user_id: null, clients: [] });
});

Deno.test("an unknown function is a 404", async () => {
  const { status } = await call("no-such-function", stack.anonKey);
  assert.equal(status, 404);
});

Deno.test("hosted products the local stack lacks answer 501 saying so and what to use instead", async () => {
  for (
    const [path, product] of [
      ["/rest/v1/distributions?select=id", /PostgREST/],
      ["/auth/v1/token?grant_type=password", /Auth/],
      ["/storage/v1/object/list/media", /Storage/],
    ] as const
  ) {
    const res = await fetch(`${stack.url}${path}`, { headers: { apikey: stack.anonKey } });
    assert.equal(res.status, 501, path);
    const body = await res.json();
    assert.match(body.message, product);
    assert.match(body.message, /not part of the local stack.*Locally: /);
  }
  // supabase-js, as a user's code calls it, gets the same words as its error.
  const supabase = createClient<Database>(stack.url, stack.anonKey, {
    auth: { persistSession: false },
  });
  const { data, error } = await supabase.from("distributions").select("id");
  assert.equal(data, null);
  assert.match(error?.message ?? "", /PostgREST \(the REST API\) is not part of the local stack/);
  // The JWKS stays served where hosted Auth serves it.
  const jwks = await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`);
  assert.equal(jwks.status, 200);
  await jwks.body?.cancel();
});
