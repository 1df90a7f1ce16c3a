import assert from "node:assert/strict";
import type postgres from "postgres";
import {
  CredentialsError,
  loadCredentials,
} from "../../supabase/functions/_shared/platforms/credentials.ts";
import {
  createAdapter,
  hasAdapter,
  NoAdapterError,
} from "../../supabase/functions/_shared/adapters/registry.ts";
import { PLATFORM_KINDS } from "../../supabase/functions/_shared/adapters/types.ts";
import { platformRow } from "./helpers.ts";

const BASE = "http://127.0.0.1:9";

Deno.test("registry: builds my four adapters from rows and validated credentials", () => {
  const cases = [
    ["wordpress", { base_url: BASE }, { username: "u", application_password: "p" }],
    ["x", { base_url: BASE }, {
      app_key: "k",
      app_secret: "s",
      access_token: "t",
      access_secret: "a",
    }],
    ["linkedin", { base_url: BASE, author_urn: "urn:li:person:p" }, { access_token: "t" }],
    ["youtube", { base_url: BASE }, { access_token: "t" }],
  ] as const;
  for (const [kind, config, creds] of cases) {
    const adapter = createAdapter(platformRow(kind, config), creds);
    assert.equal(adapter.kind, kind);
  }
});

Deno.test("registry: bad credentials name the fields, never the values", () => {
  assert.throws(
    () => createAdapter(platformRow("x", { base_url: BASE }), { app_key: "secret-value" }),
    (e: unknown) =>
      e instanceof CredentialsError && /app_secret/.test(e.message) &&
      !/secret-value/.test(e.message),
  );
});

Deno.test("registry: a kind without an adapter throws a clear error", () => {
  for (const kind of PLATFORM_KINDS.filter((k) => !hasAdapter(k))) {
    assert.throws(() => createAdapter(platformRow(kind, {}), {}), NoAdapterError);
  }
});

Deno.test("credentials: read from vault.decrypted_secrets by id and validated", async () => {
  const queries: { text: string; values: unknown[] }[] = [];
  const row = {
    ...platformRow("linkedin", {}),
    credentials_secret_id: "0b0b0b0b-0000-0000-0000-000000000001",
  };
  const fake = ((strings: TemplateStringsArray, ...values: unknown[]) => {
    queries.push({ text: strings.join("$"), values });
    return Promise.resolve([{
      decrypted_secret: JSON.stringify({ access_token: "tok" }),
      platform_id: row.id,
    }]);
  }) as unknown as postgres.Sql;
  assert.deepEqual(await loadCredentials(fake, row), { access_token: "tok" });
  assert.match(queries[0].text, /from vault\.decrypted_secrets s/);
  assert.match(queries[0].text, /where s\.id = \$::uuid/);
  assert.deepEqual(queries[0].values, [row.credentials_secret_id]);
  await assert.rejects(loadCredentials(fake, platformRow("linkedin", {})), CredentialsError);
});
