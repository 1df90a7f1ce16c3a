// supabase/functions/_shared/database.types.ts is checked fresh (dev/db-types.sh --check, run by npm
// test): a copy of the committed file passes against the test stack's database, and the same check fails,
// naming the command that fixes it, on a copy that lost a line and once the schema gains a table the copy
// does not have.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { connect } from "../_support/stack.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const committed = `${repo}supabase/functions/_shared/database.types.ts`;

/** `bash dev/db-types.sh --check <file>` on the test stack (STACK, exported by dev/test.sh). */
async function check(file: string): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command("bash", {
    args: [`${repo}dev/db-types.sh`, "--check", file],
    cwd: repo,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, output: decode(stdout) + decode(stderr) };
}

async function copyOfCommitted(): Promise<string> {
  const copy = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.copyFile(committed, copy);
  return copy;
}

Deno.test("a copy of the committed database types matches the migrated schema", async () => {
  const copy = await copyOfCommitted();
  try {
    const { code, output } = await check(copy);
    assert.equal(code, 0, output);
    assert.match(output, /matches the database's schema/);
  } finally {
    await Deno.remove(copy);
  }
});

Deno.test("a copy that lost a column fails the check, which names npm run db:types", async () => {
  const copy = await copyOfCommitted();
  try {
    const text = await Deno.readTextFile(copy);
    const line = "          window_start: string\n";
    assert.ok(text.includes(line));
    await Deno.writeTextFile(copy, text.replace(line, ""));
    const { code, output } = await check(copy);
    assert.equal(code, 1, output);
    assert.match(output, /is stale/);
    assert.match(output, /npm run db:types/);
    assert.match(output, /^\+ +window_start: string$/m);
  } finally {
    await Deno.remove(copy);
  }
});

Deno.test("a table added to the schema makes the committed types stale", async () => {
  const sql = connect();
  const copy = await copyOfCommitted();
  try {
    await sql`create table public.types_freshness_probe (id bigint primary key, note text)`;
    const { code, output } = await check(copy);
    assert.equal(code, 1, output);
    assert.match(output, /npm run db:types/);
    assert.match(output, /^\+ +types_freshness_probe: \{$/m);
  } finally {
    await sql`drop table if exists public.types_freshness_probe`;
    await sql.end();
    await Deno.remove(copy);
  }
});
