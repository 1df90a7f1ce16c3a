// The cron jobs the migrations register, and that a job's command really reaches its function through
// pg_net with the URL and key from Vault.
import assert from "node:assert/strict";
import { connect, eventually } from "../_support/stack.ts";

Deno.test("the migrations register the publish job, every minute, calling the function via Vault", async () => {
  const sql = connect();
  try {
    const [job] = await sql`select schedule, command from cron.job
      where jobname = 'publish-due-distributions'`;
    assert.ok(job, "publish-due-distributions is registered");
    assert.equal(job.schedule, "* * * * *");
    assert.match(job.command, /invoke_edge_function\('publish'/);
  } finally {
    await sql.end();
  }
});

Deno.test("running the publish job's command reaches the publish function as the service role", async () => {
  const sql = connect();
  try {
    const [job] =
      await sql`select command from cron.job where jobname = 'publish-due-distributions'`;
    // What pg_cron runs each minute (its jobs run as the migration owner, postgres).
    const command = String(job.command).replace(
      "'{}'::jsonb",
      `'{"budget_ms": 0, "exit_when_idle": true}'::jsonb`,
    );
    const [{ id }] = await sql.unsafe(`select (${command.replace(/^select /i, "")}) as id`);
    const response = await eventually(
      async () => {
        const [r] = await sql`select status_code, content from net._http_response where id = ${id}`;
        return r;
      },
      10_000,
      "the publish function's response",
    );
    assert.equal(response.status_code, 200, response.content);
    assert.equal(typeof JSON.parse(response.content).claimed, "number");
  } finally {
    await sql.end();
  }
});
