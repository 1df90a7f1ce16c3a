import assert from "node:assert/strict";
import { Deadlines } from "../../supabase/functions/_shared/net/deadlines.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("deadlines: each fires once, after its time and at most a tick late; a cleared one never", async () => {
  const deadlines = new Deadlines(10);
  const fired: string[] = [];
  const started = Date.now();
  const at: Record<string, number> = {};
  const note = (name: string) => () => {
    fired.push(name);
    at[name] = Date.now() - started;
  };
  deadlines.set(30, note("30 ms"));
  const cleared = deadlines.set(40, note("cleared"));
  deadlines.set(60, note("60 ms"));
  await sleep(15);
  deadlines.clear(cleared);
  await sleep(120);
  assert.deepEqual(fired, ["30 ms", "60 ms"]);
  assert.ok(at["30 ms"] >= 30 && at["60 ms"] >= 60, JSON.stringify(at));
  // at most a tick late, with room for a busy machine
  assert.ok(at["30 ms"] < 30 + 10 + 50, JSON.stringify(at));
});

Deno.test("deadlines: the timer starts again after the last one was cleared", async () => {
  const deadlines = new Deadlines(5);
  const first = deadlines.set(1000, () => assert.fail("cleared before its time"));
  deadlines.clear(first);
  let fired = 0;
  deadlines.set(10, () => fired++);
  await sleep(60);
  assert.equal(fired, 1);
});

Deno.test("deadlines: with none pending the shared timer stops, so it never keeps a process alive", async () => {
  const module = new URL("../../supabase/functions/_shared/net/deadlines.ts", import.meta.url);
  const script = `
    const { Deadlines } = await import(${JSON.stringify(module.href)});
    const deadlines = new Deadlines(10);
    deadlines.clear(deadlines.set(60_000, () => {}));
    const fired = deadlines.set(20, () => console.log("fired"));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const exited = await Promise.race([child.output(), sleep(10_000).then(() => null)]);
  if (exited === null) {
    child.kill();
    await child.status;
  }
  assert.ok(exited, "the process did not end: the deadlines' timer kept running");
  assert.equal(new TextDecoder().decode(exited.stdout).trim(), "fired");
});
