// Titles on platforms that render HTML: WordPress titles are sanitized and escaped like bodies are,
// email subjects carry no markup; through the adapt step and through POST /schedule.
import assert from "node:assert/strict";
import { validatorFor } from "../../supabase/functions/_shared/adapters/registry.ts";
import {
  adaptContent,
  type AdaptPlatform,
} from "../../supabase/functions/_shared/scheduling/adapt.ts";
import { connect } from "../_support/stack.ts";
import { api, createTenant, future, LONG_BODY } from "../scheduling/helpers.ts";

const HOSTILE = '<script>alert(1)</script>Budget <iframe src="javascript:alert(2)"></iframe>' +
  "tips & <b>tricks</b> &lt;script&gt;x&lt;/script&gt;";
const EMAIL_CONFIG = { list_id: "l", from_name: "Demo", reply_to: "news@demo.local" };
const WORDPRESS_CONFIG = { base_url: "http://127.0.0.1:9" };

function platform(kind: "wordpress" | "email"): AdaptPlatform {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    client_id: "c",
    kind,
    name: `Test ${kind}`,
    publish_config: kind === "email" ? EMAIL_CONFIG : WORDPRESS_CONFIG,
    credentials_secret_id: null,
    max_content_length: null,
    max_title_length: null,
  };
}

async function adaptTitle(kind: "wordpress" | "email", title: string) {
  const p = platform(kind);
  const adapted = await adaptContent(
    {
      title,
      body: "A body with <script>alert(3)</script> in it.",
      mediaUrls: [],
      linkUrl: null,
      keywords: [],
      topics: [],
    },
    p,
    { campaign: "c", validate: validatorFor(p) },
  );
  return adapted.content.title;
}

Deno.test("a WordPress title keeps its text, escaped, and loses scripts and frames", async () => {
  const title = await adaptTitle("wordpress", HOSTILE);
  assert.equal(title, "Budget tips &amp; tricks &lt;script&gt;x&lt;/script&gt;");
  // escaping is stable: the stored title adapted again (an edit) is the same
  assert.equal(await adaptTitle("wordpress", title!), title);
});

Deno.test("an email subject is plain text without markup", async () => {
  assert.equal(await adaptTitle("email", HOSTILE), "Budget tips & tricks scriptx/script");
  assert.equal(await adaptTitle("email", "Fish & chips"), "Fish & chips");
});

Deno.test("POST /schedule stores sanitized titles for WordPress and email", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [
      { kind: "wordpress", publish_config: WORDPRESS_CONFIG },
      { kind: "email", publish_config: EMAIL_CONFIG },
    ]);
    const reply = await api(tenant.token, "POST", "", {
      content: { title: HOSTILE, body: LONG_BODY },
      platform_ids: tenant.platforms,
      at: future(3),
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const rows = await sql`select p.kind, d.title from public.distributions d
                             join public.platforms p on p.id = d.platform_id
                            where d.client_id = ${tenant.clientId} order by p.kind::text`;
    assert.deepEqual(rows.map((r) => [r.kind, r.title]), [
      ["email", "Budget tips & tricks scriptx/script"],
      ["wordpress", "Budget tips &amp; tricks &lt;script&gt;x&lt;/script&gt;"],
    ]);
    for (const { title } of rows) assert.doesNotMatch(title, /<\s*(script|iframe)/i);
  } finally {
    await sql.end();
  }
});
