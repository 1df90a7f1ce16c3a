// The podcast feed function over the test stack: a published episode appears in the platform's RSS feed
// with its enclosure and a guid that does not change; unknown or non-podcast ids are 404.
import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { connect, invokeService, stack } from "../_support/stack.ts";
import { insertDue, resetQueue } from "../_support/queue.ts";
import { PLATFORM_IDS } from "../_support/seed.ts";
import { contentFor } from "../../dev/demo-content.ts";
import { emulatorFor } from "../_support/emulators.ts";

async function feed(
  platformId: string,
): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(stack.functionUrl(`podcast-feed/${platformId}`));
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

Deno.test("a published episode is an item of the podcast's feed, with a stable guid", async () => {
  const sql = connect();
  try {
    await resetQueue(sql);
    const content = contentFor("podcast", "feed episode", emulatorFor("podcast").origin);
    const [id] = await insertDue(sql, [{ platform_id: PLATFORM_IDS.podcast, ...content }]);
    await invokeService("publish", { budget_ms: 10_000, exit_when_idle: true });
    const first = await feed(PLATFORM_IDS.podcast);
    assert.equal(first.status, 200);
    assert.match(first.type ?? "", /application\/rss\+xml/);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(first.text);
    const items = [doc.rss.channel.item].flat();
    const item = items.find((i: { guid: { "#text": string } }) => i.guid["#text"] === id);
    assert.ok(item, "the published episode is in the feed");
    assert.equal(item.enclosure["@_url"], content.platform_specific?.enclosure_url);
    assert.equal(item.enclosure["@_length"], String(content.platform_specific?.enclosure_length));
    assert.match(
      item.pubDate,
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/,
    );
    assert.equal(doc.rss["@_xmlns:itunes"], "http://www.itunes.com/dtds/podcast-1.0.dtd");
    const again = await feed(PLATFORM_IDS.podcast);
    assert.equal(again.text, first.text, "rebuilding the feed gives the same document");
  } finally {
    await sql.end();
  }
});

Deno.test("the feed of an unknown or non-podcast platform is a 404", async () => {
  assert.equal((await feed(crypto.randomUUID())).status, 404);
  assert.equal((await feed(PLATFORM_IDS.x)).status, 404);
  assert.equal((await feed("not-a-uuid")).status, 404);
});
