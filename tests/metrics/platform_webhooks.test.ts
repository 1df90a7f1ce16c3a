// platform-webhooks: Meta handshake and signatures, Mailchimp tokens, unknown posts logged.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { connect, stack } from "../_support/stack.ts";
import { DEMO_CLIENT } from "../_support/seed.ts";
import { insertPublished } from "./helpers.ts";

type Sql = ReturnType<typeof connect>;
const APP_SECRET = "meta-app-secret-for-tests";
const VERIFY = "verify-me-please";
const MC_TOKEN = "mailchimp-url-token";

async function platformWithSecrets(sql: Sql, kind: string, secrets: Record<string, string>) {
  const tag = crypto.randomUUID().slice(0, 8);
  const [s] = await sql`select vault.create_secret(${JSON.stringify(secrets)},
                          ${`webhook-test-${tag}`}, 'webhook test') as id`;
  const [p] =
    await sql`insert into public.platforms (client_id, name, kind, timezone, publish_config,
                          credentials_secret_id)
                        values (${DEMO_CLIENT}, ${`${kind} webhooks ${tag}`}, ${kind}, 'America/New_York',
                          ${sql.json({ ig_user_id: "1", list_id: "l1" })}, ${s.id})
                        returning id`;
  return String(p.id);
}

const url = (platformId: string, rest = "") =>
  `${stack.functionUrl("platform-webhooks")}/${platformId}${rest}`;

function sign(body: string, secret = APP_SECRET) {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

function commentPayload(mediaId: string) {
  return JSON.stringify({
    object: "instagram",
    entry: [{
      id: "17841400000000001",
      time: Math.floor(Date.now() / 1000),
      changes: [{
        field: "comments",
        value: { id: crypto.randomUUID(), text: "nice", media: { id: mediaId } },
      }],
    }],
  });
}

async function post(target: string, body: string, headers: Record<string, string>) {
  const res = await fetch(target, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

Deno.test("Meta: the verification handshake echoes hub.challenge only for our token", async () => {
  const sql = connect();
  try {
    const id = await platformWithSecrets(sql, "instagram", {
      access_token: "t",
      app_secret: APP_SECRET,
      webhook_verify_token: VERIFY,
    });
    const ok = await fetch(
      url(id, `?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`),
    );
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "1158201444");
    const bad = await fetch(url(id, `?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`));
    await bad.body?.cancel();
    assert.equal(bad.status, 403);
  } finally {
    await sql.end();
  }
});

Deno.test("Meta: missing or forged signatures are refused; a valid one updates the row", async () => {
  const sql = connect();
  try {
    const platformId = await platformWithSecrets(sql, "instagram", {
      access_token: "t",
      app_secret: APP_SECRET,
      webhook_verify_token: VERIFY,
    });
    const mediaId = `media-${crypto.randomUUID().slice(0, 8)}`;
    const dist = await insertPublished(sql, {
      client_id: DEMO_CLIENT,
      platform_id: platformId,
      external_id: mediaId,
    });
    const body = commentPayload(mediaId);
    assert.equal((await post(url(platformId), body, {})).status, 401);
    const forged = await post(url(platformId), body, {
      "x-hub-signature-256": sign(body, "wrong"),
    });
    assert.equal(forged.status, 403);
    const tampered = await post(url(platformId), body.replace("nice", "evil"), {
      "x-hub-signature-256": sign(body),
    });
    assert.equal(tampered.status, 403);
    let [row] = await sql`select comments from public.distributions where id = ${dist}`;
    assert.equal(row.comments, null, "refused callbacks change nothing");

    const ok = await post(url(platformId), body, { "x-hub-signature-256": sign(body) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(JSON.parse(ok.text).applied, 1);
    [row] = await sql`select comments from public.distributions where id = ${dist}`;
    assert.equal(row.comments, 1);
    const [event] = await sql`select outcome, distribution_id from public.platform_webhook_events
                              where platform_id = ${platformId}`;
    assert.equal(event.outcome, "applied");
    assert.equal(event.distribution_id, dist);
  } finally {
    await sql.end();
  }
});

Deno.test("an event for an unknown post id is logged and answered 200", async () => {
  const sql = connect();
  try {
    const platformId = await platformWithSecrets(sql, "instagram", {
      access_token: "t",
      app_secret: APP_SECRET,
    });
    const body = commentPayload("no-such-media");
    const res = await post(url(platformId), body, { "x-hub-signature-256": sign(body) });
    assert.equal(res.status, 200, res.text);
    assert.equal(JSON.parse(res.text).unknown_post, 1);
    const [event] = await sql`select outcome, external_id from public.platform_webhook_events
                              where platform_id = ${platformId}`;
    assert.equal(event.outcome, "unknown_post");
    assert.equal(event.external_id, "no-such-media");
  } finally {
    await sql.end();
  }
});

Deno.test("Mailchimp: token-checked ping and form posts; unsubscribes counted", async () => {
  const sql = connect();
  try {
    const platformId = await platformWithSecrets(sql, "email", {
      api_key: "k-us1",
      webhook_token: MC_TOKEN,
    });
    const campaign = `c${crypto.randomUUID().slice(0, 8)}`;
    const dist = await insertPublished(sql, {
      client_id: DEMO_CLIENT,
      platform_id: platformId,
      external_id: campaign,
    });
    const ping = await fetch(url(platformId, `/${MC_TOKEN}`));
    await ping.body?.cancel();
    assert.equal(ping.status, 200);
    const wrong = await fetch(url(platformId, "/wrong-token"));
    await wrong.body?.cancel();
    assert.equal(wrong.status, 403);

    const form = new URLSearchParams({
      type: "unsubscribe",
      fired_at: new Date().toISOString().slice(0, 19).replace("T", " "),
      "data[campaign_id]": campaign,
      "data[email]": "a@example.com",
      "data[reason]": "manual",
    });
    const res = await fetch(url(platformId, `?token=${MC_TOKEN}`), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    assert.equal(res.status, 200, await res.text());
    const [row] = await sql`select platform_metrics from public.distributions where id = ${dist}`;
    assert.equal(row.platform_metrics.unsubscribes, 1);
  } finally {
    await sql.end();
  }
});
