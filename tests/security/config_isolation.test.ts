// One tenant's configuration never stops another's publishing. Client B's eight platforms hold malformed
// settings stored before publish_config was checked on write (written here with triggers off, as old data
// would be): native_scheduling "x", max_attempts "five", a reconcile_after_seconds no interval holds, a
// timeout_ms the run cannot parse. The publish function, against the emulators, still publishes the demo
// client's due posts on all eight platforms in its one run; B's posts fail alone, with why, and B's members
// see what is wrong in platform_health.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { connect, invokeService } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, KINDS, PLATFORM_IDS } from "../_support/seed.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { emulatorFor } from "../_support/emulators.ts";

type Sql = postgres.Sql;

/** What an older B row could hold. Half of B's platforms also carry a timeout_ms the run cannot parse. */
const BAD_SQL_SETTINGS = {
  native_scheduling: "x",
  native_lead_minutes: "soon",
  max_attempts: "five",
  retry_base_seconds: "x",
  reconcile_after_seconds: 1e300,
  max_concurrency: "many",
};
const UNPARSEABLE = new Set(["x", "linkedin", "email", "tiktok"]);

interface ClientB {
  clientId: string;
  editorId: string;
  platforms: Map<string, string>;
}

/** Client B, an editor, and a copy of each demo platform (no credentials) holding bad settings. */
async function createClientB(sql: Sql): Promise<ClientB> {
  const editorId = crypto.randomUUID();
  await sql`insert into auth.users (id, email, aud, role)
    values (${editorId}, ${`editor-${
    editorId.slice(0, 8)
  }@b.test`}, 'authenticated', 'authenticated')`;
  const [client] = await sql`insert into public.clients (name)
    values (${`Client B ${editorId.slice(0, 8)}`}) returning id`;
  const clientId = String(client.id);
  await sql`insert into public.client_members (client_id, user_id, role)
    values (${clientId}, ${editorId}, 'editor')`;
  const platforms = new Map<string, string>();
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    for (const kind of KINDS) {
      const bad = UNPARSEABLE.has(kind)
        ? { ...BAD_SQL_SETTINGS, timeout_ms: "x" }
        : BAD_SQL_SETTINGS;
      const [row] = await tx`
        insert into public.platforms (client_id, name, kind, timezone, publish_config,
                                      min_interval_minutes, credentials_secret_id)
        select ${clientId}, name || ' (B)', kind, timezone, publish_config || ${
        sql.json(bad)
      }, 0, null
        from public.platforms where id = ${PLATFORM_IDS[kind]}
        returning id`;
      platforms.set(kind, String(row.id));
    }
  });
  return { clientId, editorId, platforms };
}

async function dropClientB(sql: Sql, b: ClientB): Promise<void> {
  await sql`delete from public.clients where id = ${b.clientId}`;
  await sql`delete from auth.users where id = ${b.editorId}`;
}

Deno.test("B's malformed settings on its eight platforms: A's due posts on all eight platforms are published in the same run", async () => {
  const sql = connect();
  let b: ClientB | undefined;
  try {
    await resetQueue(sql);
    for (const kind of KINDS) {
      await emulatorFor(kind).clearFaults();
      await emulatorFor(kind).clearRequests();
    }
    b = await createClientB(sql);

    // B: a post due on each platform and one within a natively scheduling platform's hand-off window
    const bDue: string[] = [];
    for (const kind of KINDS) {
      const platformId = b.platforms.get(kind)!;
      const content = contentFor(kind, `b-${kind}`, emulatorFor(kind).origin);
      const [due] = await sql`
        insert into public.distributions (client_id, platform_id, content_type, title, body, media_urls,
                                          status, scheduled_for)
        values (${b.clientId}, ${platformId}, 'manual', ${content.title ?? null}, ${content.body},
                ${content.media_urls ?? null}, 'scheduled', now() - interval '2 seconds')
        returning id`;
      await sql`
        insert into public.distributions (client_id, platform_id, content_type, title, body, media_urls,
                                          status, scheduled_for)
        values (${b.clientId}, ${platformId}, 'manual', ${content.title ?? null}, ${content.body},
                ${content.media_urls ?? null}, 'scheduled', now() + interval '30 minutes')`;
      bDue.push(String(due.id));
    }
    // A (the demo client): a post due on each of its eight platforms
    const aDue = new Map<string, string>();
    for (const kind of KINDS) {
      const content = contentFor(
        kind,
        `a-${kind}-${crypto.randomUUID()}`,
        emulatorFor(kind).origin,
      );
      const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS[kind], ...content }]);
      aDue.set(kind, id);
    }

    const reply = await invokeService("publish", { budget_ms: 20_000, exit_when_idle: true });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));

    for (const kind of KINDS) {
      const [a] = await sql`select status, error_message, client_id from public.distributions
        where id = ${aDue.get(kind)!}`;
      assert.equal(a.client_id, DEMO_CLIENT);
      assert.equal(a.status, "published", `${kind}: ${a.status} ${a.error_message}`);
      assert.equal(
        (await emulatorFor(kind).publishRequests()).length,
        1,
        `${kind}: the emulator received A's post once (and nothing of B's)`,
      );
    }

    // B's posts settled alone: none left publishing, each with why
    const bRows = await sql`select d.status, d.error_message, p.kind from public.distributions d
      join public.platforms p on p.id = d.platform_id where d.id = any(${bDue})`;
    assert.equal(bRows.length, 8);
    for (const r of bRows) {
      assert.equal(r.status, "failed", `${r.kind}: ${r.status} ${r.error_message}`);
      if (UNPARSEABLE.has(r.kind)) {
        assert.match(r.error_message, /publish_config\.timeout_ms/, r.kind);
      } else {
        assert.ok(r.error_message, `${r.kind}: failed with why (it has no credentials)`);
      }
    }
    const [handoffs] = await sql`select count(*)::int as n from public.distributions
      where client_id = ${b.clientId} and status = 'scheduled' and native_state is null`;
    assert.equal(
      handoffs.n,
      8,
      'B\'s later posts wait for their time (native_scheduling "x" is off)',
    );

    // B's editor sees each problem in platform_health, by key
    const health = await sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ sub: b!.editorId, role: "authenticated" })
      }, true)`;
      return await tx`select kind, config_problem from public.platform_health order by kind::text`;
    });
    assert.equal(health.length, 8, "B's editor sees B's eight platforms only");
    for (const h of health) {
      assert.match(
        String(h.config_problem),
        /^publish_config\.(max_attempts|max_concurrency|native_lead_minutes|native_scheduling|reconcile_after_seconds|retry_base_seconds|timeout_ms) must be /,
        `${h.kind}: ${h.config_problem}`,
      );
    }
    const [demo] = await sql`select count(*)::int as n from public.platform_health
      where client_id = ${DEMO_CLIENT} and config_problem is not null`;
    assert.equal(demo.n, 0, "A's platforms have no problem");
  } finally {
    if (b) await dropClientB(sql, b);
    await sql.end();
  }
});
