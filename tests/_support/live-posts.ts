// Helpers of the live-post tests (take-down, edit): a post published on an emulator through the
// publisher, a clean queue with a webhook endpoint listing the events under test, and waiting until
// those events' deliveries were attempted.
import assert from "node:assert/strict";
import { type connect, eventually, invokeService } from "./stack.ts";
import { insertDue, resetQueue } from "./queue.ts";
import { DEMO_CLIENT, type Kind, PLATFORM_IDS } from "./seed.ts";
import { emulatorFor } from "./emulators.ts";
import { contentFor } from "../../dev/demo-content.ts";

type Sql = ReturnType<typeof connect>;

/** One publish run that exits when nothing is due (it also sends queued take-downs and edits). */
export async function invokePublish(): Promise<void> {
  const reply = await invokeService("publish", { budget_ms: 10_000, exit_when_idle: true });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}

/** An empty queue, the demo client's endpoint listing `events` (it refuses them), `kind`'s emulator
 * without faults or recorded requests. */
export async function setUpLivePosts(sql: Sql, kind: Kind, events: string[]) {
  await resetQueue(sql);
  await sql`delete from public.platform_cancellations`;
  await sql`insert into public.webhook_endpoints (client_id, url, events)
    values (${DEMO_CLIENT}, 'http://127.0.0.1:9/hook', ${events})`;
  const emulator = emulatorFor(kind);
  await emulator.clearFaults();
  await emulator.clearRequests();
  return emulator;
}

/** A post published on `kind`'s emulator through the publisher. */
export async function published(sql: Sql, kind: Kind, marker: string) {
  const content = contentFor(kind, marker, emulatorFor(kind).origin);
  const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS[kind], ...content }]);
  await invokePublish();
  const [row] = await sql`select status, external_id, error_message from public.distributions
    where id = ${id}`;
  assert.equal(row.status, "published", row.error_message);
  return { id, externalId: String(row.external_id) };
}

/** Waits until the deliveries of `id`'s events were attempted (the endpoint here refuses them): the
 * deliver-webhooks run the trigger woke is done with them, so it sends nothing into later tests. */
export async function attempted(sql: Sql, id: string): Promise<void> {
  await eventually(
    async () => {
      const rows = await sql`select status, attempts from public.webhook_deliveries
      where distribution_id = ${id}`;
      return rows.length > 0 && rows.every((r) => r.status !== "delivering" && r.attempts >= 1)
        ? rows
        : undefined;
    },
    20_000,
    `the webhook deliveries of ${id} to be attempted`,
  );
}
