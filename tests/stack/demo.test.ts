// npm run demo (dev/demo.ts) on the test stack: it invokes the publish function through supabase-js
// `functions.invoke` with the service-role key, and each of the demo client's platforms publishes its post.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { connect } from "../_support/stack.ts";
import { resetQueue } from "../_support/queue.ts";
import { KINDS } from "../_support/seed.ts";
import { emulatorFor } from "../_support/emulators.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("the demo publishes one post on every demo platform through functions.invoke", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
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
    assert.match(output, /^publish: HTTP 200 \{.*\}$/m);
    for (const kind of KINDS) {
      assert.match(output, new RegExp(`^${kind} +published +\\S+`, "m"), output);
    }
    const rows = await sql`select status, count(*)::int as n from public.distributions group by 1`;
    assert.deepEqual(rows.map((r) => [r.status, r.n]), [["published", KINDS.length]]);
  } finally {
    await resetQueue(sql);
    await sql.end();
  }
});
