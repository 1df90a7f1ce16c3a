// An editor of client B writes malformed publish_config values through the table as `authenticated` with
// B's member claims (what PostgREST and Studio do): every key a reader uses, with a value of the wrong type,
// out of range or huge, is refused with SQLSTATE 22023 and a message naming the key; nothing is stored.
// (The keys that say where credentials are sent are written by B's owner: who may change them is a rule of
// its own; this is about their type.)
import assert from "node:assert/strict";
import type postgres from "postgres";
import { connect } from "../_support/stack.ts";
import { createTenant } from "../scheduling/helpers.ts";

/** For each key: values an editor might write that no reader can use. */
const MALFORMED: Record<string, unknown[]> = {
  native_scheduling: ["x", 1, null],
  native_lead_minutes: ["sixty", -1, 1e9],
  native_min_lead_seconds: [1e300, -5],
  max_attempts: ["five", 0, 2.5, 1e300],
  first_retry_seconds: ["soon", -2, 1e6],
  retry_base_seconds: ["x", -1, 1e12],
  retry_max_seconds: [true, 1e9],
  reconcile_after_seconds: [1e300, "60"],
  max_concurrency: [0, "many", 100_000],
  max_lapses: ["three", 0],
  reconcile_max_seconds: [1.5, 0, 1e12],
  timeout_ms: ["fast", -1, 1e12],
  base_url: [42, `http://${"a".repeat(3000)}`],
  token_url: ["ftp://x", {}],
  create_categories: ["yes"],
  list_id: [123, "l".repeat(1000)],
  from_name: ["n".repeat(100_000)],
  reply_to: [[]],
  graph_version: [23],
  ig_user_id: [null, 17841400000000001],
  poll_interval_ms: [-200, 1e300],
  poll_attempts: [0, 1e9],
  quota_cache_ms: ["1 minute"],
  quota_recheck_margin: [-1],
  author_urn: [false],
  api_version: [202610],
  visibility: ["EVERYONE"],
  default_privacy_level: ["PUBLIC"],
  video_source: ["ftp"],
  upload_chunk_bytes: [1, 1e12],
  upload_timeout_ms: [0],
  category_id: [22],
  privacy_status: ["secret"],
  made_for_kids: ["no"],
  status_url: [{ id: 1 }],
  media_processing_max_wait_ms: [-1, 1e12],
  rest_style: [7, "fancy"],
  force_delete: ["true"],
  feed_url: ["javascript:alert(1)"],
  title: ["t".repeat(5000)],
  description: [42],
  image_url: ["cover.png"],
  language: ["e".repeat(100)],
  category: [[]],
  explicit: ["clean"],
  author: [1],
  link: ["example.com"],
  type: ["weekly"],
  feed_page_size: [0, "all", 1e6],
  limits: ["none", { maxHashtags: "thirty" }, { maxHashtags: -1 }, { maxHashtagz: 5 }],
  learning: [[], { slots: 500 }, { explore: 2 }, { speed: 1 }],
  hosting: [{ base_url: "http://127.0.0.1:1" }, { show_id: 7 }],
  analytics: [{ auth: "none" }, { url: "https://a/{id}", fields: { views: 1 } }],
  owner: [{ name: "N" }],
  nativ_scheduling: [true],
};

/** Keys that say where a platform sends its credentials. */
const OWNER_KEYS = new Set(["base_url", "token_url", "hosting", "analytics"]);

async function asMember<T>(
  sql: postgres.Sql,
  userId: string,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  return await sql.begin(async (tx) => {
    await tx`set local role authenticated`;
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ sub: userId, role: "authenticated" })
    }, true)`;
    return await fn(tx);
  }) as T;
}

Deno.test("an editor's malformed publish_config value is refused naming the key, for every key a reader uses", async () => {
  const sql = connect();
  const b = await createTenant(sql, [{ kind: "wordpress" }], "owner");
  const [platformId] = b.platforms;
  const editorId = crypto.randomUUID();
  try {
    await sql`insert into auth.users (id, email, aud, role)
      values (${editorId}, ${`editor-${
      editorId.slice(0, 8)
    }@b.test`}, 'authenticated', 'authenticated')`;
    await sql`insert into public.client_members (client_id, user_id, role)
      values (${b.clientId}, ${editorId}, 'editor')`;
    const writerFor = (key: string) => OWNER_KEYS.has(key) ? b.userId : editorId;
    const [before] =
      await sql`select publish_config from public.platforms where id = ${platformId}`;
    for (const [key, values] of Object.entries(MALFORMED)) {
      for (const value of values) {
        const patch = sql.json({ [key]: value } as postgres.JSONValue);
        const error = await asMember(
          sql,
          writerFor(key),
          (tx) =>
            tx`update public.platforms set publish_config = publish_config || ${patch}
             where id = ${platformId}`,
        ).then(() => undefined, (e) => e as postgres.PostgresError);
        const shown = JSON.stringify(value)?.slice(0, 40);
        assert.ok(error, `publish_config.${key} = ${shown} was accepted`);
        assert.equal(error.code, "22023", `${key} = ${shown}: ${error.message}`);
        assert.match(
          error.message,
          new RegExp(`^publish_config(\\.${key}[ .]| has an unknown key "${key}")`),
          `${key} = ${shown}: ${error.message}`,
        );
      }
    }
    const [after] = await sql`select publish_config from public.platforms where id = ${platformId}`;
    assert.deepEqual(after.publish_config, before.publish_config, "nothing refused was stored");

    // The wording a person sees in Studio or a REST reply.
    const refused = await asMember(
      sql,
      editorId,
      (tx) =>
        tx`update public.platforms set publish_config = publish_config || '{"native_scheduling": "x"}'
         where id = ${platformId}`,
    ).then(() => undefined, (e) => e as postgres.PostgresError);
    assert.equal(refused?.message, 'publish_config.native_scheduling must be a boolean (got "x")');

    // Well-formed values go through.
    await asMember(
      sql,
      editorId,
      (tx) =>
        tx`update public.platforms set publish_config = publish_config ||
           '{"native_scheduling": true, "max_attempts": 3, "limits": {"minBodyChars": 50}}'
         where id = ${platformId}`,
    );
    const [stored] =
      await sql`select publish_config from public.platforms where id = ${platformId}`;
    assert.equal(stored.publish_config.native_scheduling, true);
  } finally {
    await sql`delete from public.clients where id = ${b.clientId}`;
    await sql`delete from auth.users where id = any(${[b.userId, editorId]})`;
    await sql.end();
  }
});
