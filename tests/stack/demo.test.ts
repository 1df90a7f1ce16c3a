// npm run demo (dev/demo.ts) on the test stack: it invokes the publish function through supabase-js
// `functions.invoke` with the service-role key, and each of the demo client's seeded platforms publishes
// its post, or waits for that platform as the demo says (a quota earlier tests used up, as on a real
// platform); around it the owner reconnects LinkedIn with OAuth, approves the blog post held for
// review, and takes it down once published. Platforms other tests added to the demo client are set inactive while it runs, so the
// demo meets the seed's eight.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { connect } from "../_support/stack.ts";
import { resetQueue } from "../_support/queue.ts";
import { DEMO_CLIENT, KINDS, PLATFORM_IDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("the demo publishes one post on every demo platform through functions.invoke", async () => {
  const sql = connect();
  const seeded = Object.values(PLATFORM_IDS);
  let quieted: string[] = [];
  try {
    await resetQueue(sql);
    quieted = (await sql`update public.platforms set is_active = false
      where client_id = ${DEMO_CLIENT} and is_active and not (id = any(${seeded}))
      returning id`).map((r) => String(r.id));
    for (const kind of KINDS) await emulatorFor(kind).clearFaults();
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "-A", "dev/demo.ts"],
      cwd: repo,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 0, output);
    // The publish function's reply, as functions.invoke parsed it (JSON).
    assert.match(output, /^publish: HTTP 200 \{"claimed":\d+.*\}$/m);
    for (const kind of KINDS) {
      assert.match(
        output,
        new RegExp(`^${kind} +(published +\\S+|scheduled +waits for .+)$`, "m"),
        output,
      );
    }
    // The team workflows around the publishes: an OAuth connection, a review, a take-down.
    assert.match(
      output,
      /^connect {3}linkedin: connected with OAuth as .+, tokens stored in Vault$/m,
    );
    assert.match(
      output,
      /^review {4}wordpress: pending_approval until the owner approved it -> scheduled$/m,
    );
    assert.match(
      output,
      /^take-down wordpress: (unpublished at \S+|skipped, the blog post is scheduled)$/m,
    );
    const [rules] = await sql`select count(*)::int as n from public.approval_rules
                               where client_id = ${DEMO_CLIENT}`;
    assert.equal(rules.n, 0, "the demo leaves no approval rule behind");
    const rows = await sql`select d.status, p.id as platform_id from public.distributions d
      join public.platforms p on p.id = d.platform_id`;
    assert.deepEqual(rows.map((r) => String(r.platform_id)).sort(), [...seeded].sort());
    assert.ok(rows.some((r) => r.status === "published"), JSON.stringify(rows));
    assert.ok(rows.every((r) => ["published", "scheduled"].includes(r.status)), output);
  } finally {
    if (quieted.length) {
      await sql`update public.platforms set is_active = true where id = any(${quieted})`;
    }
    await resetQueue(sql);
    await sql.end();
  }
});
