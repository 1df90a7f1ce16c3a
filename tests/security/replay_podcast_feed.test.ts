// podcast-feed over HTTP: an inactive podcast platform is a 404 like an unknown one, and a long show
// is paged (RFC 5005): the feed URL is the newest page, ?page=N the older ones, with atom:link
// self/first/previous/next/last.
import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { connect, stack } from "../_support/stack.ts";
import { DEMO_CLIENT, PLATFORM_IDS } from "../_support/seed.ts";

type Sql = ReturnType<typeof connect>;

async function podcast(sql: Sql, episodes: number, pageSize?: number) {
  const [seed] = await sql`select publish_config from public.platforms
                           where id = ${PLATFORM_IDS.podcast}`;
  const config = { ...seed.publish_config, ...(pageSize ? { feed_page_size: pageSize } : {}) };
  const [p] = await sql`
    insert into public.platforms (client_id, name, kind, timezone, publish_config)
    values (${DEMO_CLIENT}, ${`Paged show ${crypto.randomUUID().slice(0, 8)}`}, 'podcast',
            'America/New_York', ${sql.json(config)})
    returning id`;
  const ids: string[] = [];
  for (let i = 0; i < episodes; i++) {
    const at = new Date(Date.now() - (i + 1) * 86_400_000);
    const [d] = await sql`
      insert into public.distributions (client_id, platform_id, content_type, title, body, status,
        scheduled_for, published_at, external_id, platform_specific)
      values (${DEMO_CLIENT}, ${p.id}, 'manual', ${`Episode ${
      episodes - i
    }`}, 'Show notes', 'published',
        ${at}, ${at}, ${`ep-${crypto.randomUUID()}`},
        ${
      sql.json({
        enclosure_url: `https://media.example/ep${i}.mp3`,
        enclosure_length: 1000 + i,
        enclosure_type: "audio/mpeg",
      })
    })
      returning id`;
    ids.push(String(d.id));
  }
  return { id: String(p.id), newestFirst: ids };
}

interface Page {
  status: number;
  guids: string[];
  links: Record<string, string>;
  text: string;
}

async function page(platformId: string, query = ""): Promise<Page> {
  const res = await fetch(stack.functionUrl(`podcast-feed/${platformId}${query}`));
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, guids: [], links: {}, text };
  const doc = new XMLParser({ ignoreAttributes: false }).parse(text);
  const items = doc.rss.channel.item === undefined ? [] : [doc.rss.channel.item].flat();
  const links = Object.fromEntries(
    [doc.rss.channel["atom:link"]].flat().map((
      l: { "@_rel": string; "@_href": string },
    ) => [l["@_rel"], l["@_href"]]),
  );
  return {
    status: res.status,
    guids: items.map((i: { guid: { "#text": string } }) => i.guid["#text"]),
    links,
    text,
  };
}

/** The status a GET of `url` answers (its body discarded). */
async function statusOf(url: string): Promise<number> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.status;
}

/** The part of a link after the function's name: "/<id>" or "/<id>?page=N". */
const tail = (href: string | undefined) => href?.replace(/^.*\/podcast-feed/, "");

Deno.test("a long show is paged: newest first, links between pages, the feed URL stays page 1", async () => {
  const sql = connect();
  try {
    const show = await podcast(sql, 5, 2);
    const first = await page(show.id);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.guids, show.newestFirst.slice(0, 2));
    assert.deepEqual(
      Object.fromEntries(Object.entries(first.links).map(([rel, href]) => [rel, tail(href)])),
      {
        self: `/${show.id}`,
        first: `/${show.id}`,
        next: `/${show.id}?page=2`,
        last: `/${show.id}?page=3`,
      },
    );

    // The links are the public URLs (below /functions/v1), and they answer.
    assert.equal(first.links.self, stack.functionUrl(`podcast-feed/${show.id}`));
    assert.equal(first.links.next, stack.functionUrl(`podcast-feed/${show.id}?page=2`));
    assert.equal(await statusOf(first.links.next), 200);
    assert.equal(await statusOf(first.links.self), 200);

    const second = await page(show.id, "?page=2");
    assert.deepEqual(second.guids, show.newestFirst.slice(2, 4));
    assert.equal(tail(second.links.self), `/${show.id}?page=2`);
    assert.equal(tail(second.links.previous), `/${show.id}`);
    assert.equal(tail(second.links.next), `/${show.id}?page=3`);

    const last = await page(show.id, "?page=3");
    assert.deepEqual(last.guids, show.newestFirst.slice(4));
    assert.equal(last.links.next, undefined);
    assert.equal(tail(last.links.previous), `/${show.id}?page=2`);

    const all = [...first.guids, ...second.guids, ...last.guids];
    assert.equal(new Set(all).size, 5, "every episode on exactly one page");
    assert.deepEqual((await page(show.id, "?page=1")).guids, first.guids);

    assert.equal((await page(show.id, "?page=4")).status, 404);
    for (const bad of ["?page=0", "?page=abc", "?page=-1", "?page=1.5"]) {
      const r = await page(show.id, bad);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.deepEqual(JSON.parse(r.text).details.map((d: { field: string }) => d.field), ["page"]);
    }
  } finally {
    await sql.end();
  }
});

Deno.test("a show that fits one page has only a self link and every episode", async () => {
  const sql = connect();
  try {
    const show = await podcast(sql, 3);
    const only = await page(show.id);
    assert.equal(only.status, 200, only.text);
    assert.deepEqual(only.guids, show.newestFirst);
    assert.deepEqual(Object.keys(only.links), ["self"]);
    assert.equal((await page(show.id, "?page=2")).status, 404);
  } finally {
    await sql.end();
  }
});

Deno.test("an inactive podcast platform's feed is a 404, like an unknown one", async () => {
  const sql = connect();
  try {
    const show = await podcast(sql, 3, 2);
    assert.equal((await page(show.id)).status, 200);
    await sql`update public.platforms set is_active = false where id = ${show.id}`;
    const gone = await page(show.id);
    assert.equal(gone.status, 404);
    assert.ok(!gone.text.includes("Episode"), "nothing of the show is served");
    assert.equal((await page(show.id, "?page=2")).status, 404);
    const unknown = await page(crypto.randomUUID());
    assert.equal(JSON.parse(gone.text).error, JSON.parse(unknown.text).error);
    await sql`update public.platforms set is_active = true where id = ${show.id}`;
    assert.equal((await page(show.id)).status, 200);
  } finally {
    await sql.end();
  }
});
