import assert from "node:assert/strict";
import {
  authorizationHeader,
  hmacSha1Signature,
  OAuth1Signer,
  percentEncode,
  signatureBaseString,
} from "../../supabase/functions/_shared/platforms/oauth1.ts";
import { parseOAuth1 } from "../../dev/emulators/auth.ts";

/** X's "Creating a signature" example (developer docs, OAuth 1.0a). */
const X_DOCS = {
  credentials: {
    app_key: "xvz1evFS4wEEPTGEFPHBog",
    app_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
    access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
    access_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
  },
  url: "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
  form: "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21",
  fresh: { nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", timestamp: 1318622958 },
  baseString: "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&" +
    "include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3D" +
    "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26" +
    "oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9" +
    "weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520" +
    "a%2520signed%2520OAuth%2520request%2521",
  signature: "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
};

const signatureOf = (header: string) => {
  const parsed = parseOAuth1(new Headers({ authorization: header }));
  assert.ok("params" in parsed, JSON.stringify(parsed));
  return parsed.params.oauth_signature;
};

Deno.test("oauth1: percent-encoding is RFC 3986's unreserved set, on UTF-8", () => {
  assert.equal(percentEncode("Ladies + Gentlemen!*'()"), "Ladies%20%2B%20Gentlemen%21%2A%27%28%29");
  assert.equal(percentEncode("-._~AZaz09"), "-._~AZaz09");
  assert.equal(percentEncode("☃"), "%E2%98%83");
});

Deno.test("oauth1: RFC 5849 section 3.4.1 base string (query, form body, repeated names)", () => {
  // The request of section 3.4.1.1: query b5=%3D%253D&a3=a&c%40=&a2=r%20b, body c2&a3=2+q.
  const url = new URL("http://EXAMPLE.COM:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b");
  const oauth: [string, string][] = [
    ["oauth_consumer_key", "9djdj82h48djs9d2"],
    ["oauth_token", "kkk9d7dh3k39sjv7"],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", "137131201"],
    ["oauth_nonce", "7d8f3e4a"],
  ];
  const params = [...url.searchParams, ...new URLSearchParams("c2&a3=2+q"), ...oauth];
  assert.equal(
    signatureBaseString("post", url, params),
    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D" +
      "%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D" +
      "7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26" +
      "oauth_token%3Dkkk9d7dh3k39sjv7",
  );
});

Deno.test("oauth1: X's published example gives X's published base string and signature", () => {
  const { credentials, fresh } = X_DOCS;
  const url = new URL(X_DOCS.url);
  const form = new URLSearchParams(X_DOCS.form);
  const oauth: [string, string][] = [
    ["oauth_consumer_key", credentials.app_key],
    ["oauth_nonce", fresh.nonce],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", String(fresh.timestamp)],
    ["oauth_token", credentials.access_token],
    ["oauth_version", "1.0"],
  ];
  const base = signatureBaseString("POST", url, [...oauth, ...url.searchParams, ...form]);
  assert.equal(base, X_DOCS.baseString);
  assert.equal(
    hmacSha1Signature(base, credentials.app_secret, credentials.access_secret),
    X_DOCS.signature,
  );
  const header = authorizationHeader(credentials, { method: "POST", url, form }, fresh);
  assert.equal(signatureOf(header), X_DOCS.signature);
  assert.match(header, /^OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="/);
  assert.match(header, /oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"$/);
});

Deno.test("oauth1: the signer covers a form body, never a JSON or multipart one", async () => {
  const { credentials, fresh } = X_DOCS;
  const signer = new OAuth1Signer(credentials, () => fresh);
  const sign = async (req: Parameters<OAuth1Signer["headers"]>[0]) =>
    signatureOf((await signer.headers(req)).headers.authorization);
  const form = await sign({
    method: "POST",
    url: X_DOCS.url,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: X_DOCS.form,
  });
  assert.equal(form, X_DOCS.signature);
  assert.equal(
    await sign({ method: "POST", url: X_DOCS.url, body: new URLSearchParams(X_DOCS.form) }),
    X_DOCS.signature,
  );
  const queryOnly = await sign({ method: "POST", url: X_DOCS.url });
  assert.notEqual(queryOnly, X_DOCS.signature);
  assert.equal(
    await sign({ method: "POST", url: X_DOCS.url, json: { status: "Hello Ladies" } }),
    queryOnly,
  );
  const multipart = new FormData();
  multipart.append("status", "Hello Ladies + Gentlemen, a signed OAuth request!");
  assert.equal(await sign({ method: "POST", url: X_DOCS.url, body: multipart }), queryOnly);
});

Deno.test("oauth1: every request gets its own nonce and the current time", async () => {
  const signer = new OAuth1Signer(X_DOCS.credentials);
  const params = async () => {
    const { headers } = await signer.headers({
      method: "GET",
      url: "https://api.x.com/2/users/me",
    });
    const parsed = parseOAuth1(new Headers(headers));
    assert.ok("params" in parsed);
    return parsed.params;
  };
  const [a, b] = [await params(), await params()];
  assert.notEqual(a.oauth_nonce, b.oauth_nonce);
  assert.ok(Math.abs(Number(a.oauth_timestamp) - Date.now() / 1000) < 5);
  assert.equal(await signer.renew(), true, "after a 401: signed afresh, sent once more");
});
