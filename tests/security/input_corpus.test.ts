// The hostile-input corpus: every class of bad request (invalid JSON, empty, oversized, wrong types,
// unknown fields, impossible dates, unknown time zones, NUL, lone surrogates, invalid UTF-8, SQL and
// HTML payloads, 10,000 ids, each auth failure) sent to every route and method of every function.
// Nothing answers 5xx, a refusal about a field names that field as the caller wrote it, and the
// database's row counts are the same afterwards.
import assert from "node:assert/strict";
import { connect, replyOf, stack, userJwt } from "../_support/stack.ts";
import { api, createTenant, future } from "../scheduling/helpers.ts";

type Body = Record<string, unknown> | unknown[] | string | number;

/** A request body: JSON of a value, or raw bytes (invalid UTF-8, invalid JSON). */
type Payload = { json: Body } | { bytes: Uint8Array };

interface Probe {
  class: string;
  payload?: Payload;
  /** The field a refusal must name (as the caller wrote it; a prefix match allows `field.0`). */
  field?: string;
  /** Auth: the token to send ("user" by default), or none. */
  token?: "user" | "service" | "none" | "garbage" | "expired";
  /** A path other than the endpoint's (e.g. an unknown id). */
  path?: string;
}

interface Endpoint {
  fn: string;
  method: string;
  path: string;
  auth: "user" | "service" | "public";
  probes: Probe[];
}

const enc = new TextEncoder();
const concat = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => typeof p === "string" ? [...enc.encode(p)] : p));
const uuids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
const SQL = "'); drop table public.distributions; --";
const HTML = '<script>alert(1)</script><iframe src="javascript:alert(2)">';
const OVERSIZED = "x".repeat(1024 * 1024 + 10);

/** The text classes: `value` put into `field` of `base` (NUL, lone surrogate, invalid UTF-8). */
function textProbes(base: Record<string, unknown>, field: string): Probe[] {
  const at = (value: string) => ({ ...base, [field]: value });
  const utf8 = JSON.stringify(at("@@")).split('"@@"');
  return [
    { class: "NUL", payload: { json: at("before\u0000after") }, field },
    { class: "lone surrogate", payload: { json: at("broken \ud800 pair") }, field },
    {
      class: "invalid UTF-8",
      payload: { bytes: concat(utf8[0], '"bad ', [0xff, 0xfe, 0xc3], '"', utf8[1]) },
      field,
    },
  ];
}

/** The classes every endpoint that reads a JSON body gets. */
function bodyProbes(opts: {
  base: Record<string, unknown>;
  textField: string;
  wrongType: [string, Body];
  sql: [string, Record<string, unknown>];
  html: [string, Record<string, unknown>];
  manyIds: [string, Record<string, unknown>];
  dates?: [string, Record<string, unknown>][];
  timezone?: [string, Record<string, unknown>];
  emptyIsValid?: boolean;
}): Probe[] {
  const probes: Probe[] = [
    { class: "invalid JSON", payload: { bytes: enc.encode('{"a": [1, ') }, field: "(body)" },
    { class: "not an object", payload: { json: [1, 2, 3] }, field: "(body)" },
    {
      class: "nested 100,000 deep",
      payload: {
        bytes: enc.encode(`{"${opts.textField}": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`),
      },
      field: "(body)",
    },
    { class: "oversized", payload: { json: { ...opts.base, pad: OVERSIZED } }, field: "(body)" },
    {
      class: "unknown field",
      payload: { json: { ...opts.base, zz_unknown: 1 } },
      field: "zz_unknown",
    },
    { class: "wrong type", payload: { json: opts.wrongType[1] }, field: opts.wrongType[0] },
    { class: "SQL payload", payload: { json: opts.sql[1] }, field: opts.sql[0] },
    { class: "HTML payload", payload: { json: opts.html[1] }, field: opts.html[0] },
    { class: "10,000 ids", payload: { json: opts.manyIds[1] }, field: opts.manyIds[0] },
    ...textProbes(opts.base, opts.textField),
    {
      class: "NUL in a key",
      payload: { json: { ...opts.base, ["k\u0000"]: "v" } },
      field: "k\ufffd",
    },
    ...(opts.dates ?? []).map(([field, json]) => ({
      class: "impossible date",
      payload: { json },
      field,
    })),
    ...(opts.timezone
      ? [{
        class: "unknown time zone",
        payload: { json: opts.timezone[1] },
        field: opts.timezone[0],
      }]
      : []),
  ];
  if (!opts.emptyIsValid) {
    probes.push({ class: "empty body", payload: { bytes: new Uint8Array() }, field: "(body)" });
  }
  return probes;
}

/** Auth failures: no header, a garbage token, an expired one. */
const AUTH: Probe[] = [
  { class: "auth: missing header", token: "none" },
  { class: "auth: garbage token", token: "garbage" },
  { class: "auth: expired token", token: "expired" },
];

/** A service worker's body probes: its one numeric option and no text fields of its own. */
function serviceProbes(option: string): Probe[] {
  const probes: Probe[] = [
    ...bodyProbes({
      base: {},
      textField: "note",
      wrongType: [option, { [option]: "ten" }],
      sql: [option, { [option]: SQL }],
      html: [option, { [option]: HTML }],
      manyIds: ["ids", { ids: uuids(10_000) }],
      emptyIsValid: true,
    }),
    ...AUTH,
    // a signed-in user is not the service role
    { class: "auth: user token on a service function", token: "user" },
  ];
  return probes.map((p) => ({ token: "service", ...p }));
}

function endpoints(platformId: string, distributionId: string): Endpoint[] {
  const missing = crypto.randomUUID();
  const schedule = {
    content: { title: "A title", body: "A body." },
    platform_ids: [platformId],
    at: future(3),
  };
  const dist = `/distributions/${distributionId}`;
  const stateChange = (action: string): Endpoint => ({
    fn: "schedule",
    method: "POST",
    path: `${dist}/${action}`,
    auth: "user",
    probes: [
      ...bodyProbes({
        base: {},
        textField: "note",
        wrongType: ["(body)", "now"],
        sql: ["reason", { reason: SQL }],
        html: ["reason", { reason: HTML }],
        manyIds: ["ids", { ids: uuids(10_000) }],
        emptyIsValid: true,
      }),
      // An empty body is a valid request: sent for an unknown distribution, it changes nothing.
      {
        class: "empty body",
        payload: { bytes: new Uint8Array() },
        path: `/distributions/${missing}/${action}`,
      },
      { class: "SQL in the path", path: `/distributions/${encodeURIComponent(SQL)}/${action}` },
      ...AUTH,
    ],
  });
  const service = (fn: string, option: string): Endpoint => ({
    fn,
    method: "POST",
    path: "",
    auth: "service",
    probes: serviceProbes(option),
  });
  return [
    {
      fn: "schedule",
      method: "POST",
      path: "",
      auth: "user",
      probes: [
        ...bodyProbes({
          base: schedule,
          textField: "business_unit",
          wrongType: ["content.title", { ...schedule, content: { title: 5, body: "A body." } }],
          sql: ["platform_ids", { ...schedule, platform_ids: [SQL] }],
          html: ["timezone", { ...schedule, timezone: HTML }],
          manyIds: ["platform_ids", { ...schedule, platform_ids: uuids(10_000) }],
          dates: [
            ["at", { ...schedule, at: "2027-02-30T10:00:00Z" }],
            ["at", { ...schedule, at: "9999-12-31T23:59:59Z" }],
          ],
          timezone: ["timezone", { ...schedule, timezone: "Mars/Olympus_Mons" }],
        }),
        ...textProbes({ ...schedule, content: { body: "@@" } }, "content.body")
          .filter((p) => p.class !== "invalid UTF-8")
          .map((p) => ({
            ...p,
            class: `${p.class} in content.body`,
            payload: {
              json: {
                ...schedule,
                content: {
                  body: (p.payload as { json: Record<string, string> }).json["content.body"],
                },
              },
            },
          })),
        {
          class: "NUL in content.title",
          payload: { json: { ...schedule, content: { title: "t\u0000", body: "b" } } },
          field: "content.title",
        },
        {
          class: "10,000 variants",
          payload: {
            json: {
              ...schedule,
              variants: Array.from({ length: 10_000 }, (_, i) => ({ body: `v${i}` })),
            },
          },
          field: "variants",
        },
        ...AUTH,
      ],
    },
    {
      fn: "schedule",
      method: "GET",
      path: dist,
      auth: "user",
      probes: [
        { class: "valid read" },
        { class: "SQL in the path", path: `/distributions/${encodeURIComponent(SQL)}` },
        { class: "NUL in the path", path: "/distributions/%00" },
        { class: "unknown id", path: `/distributions/${missing}` },
        ...AUTH,
      ],
    },
    {
      fn: "schedule",
      method: "PATCH",
      path: dist,
      auth: "user",
      probes: [
        ...bodyProbes({
          base: { body: "New body." },
          textField: "body",
          wrongType: ["title", { title: 5 }],
          sql: ["link_url", { link_url: `javascript:${SQL}` }],
          html: ["media_urls", { media_urls: [HTML] }],
          manyIds: ["media_urls", { media_urls: uuids(10_000).map((u) => `https://x.test/${u}`) }],
        }),
        {
          class: "10,000 keywords",
          payload: { json: { keywords: uuids(10_000) } },
          field: "keywords",
        },
        ...AUTH,
      ],
    },
    {
      fn: "schedule",
      method: "POST",
      path: `${dist}/reschedule`,
      auth: "user",
      probes: [
        ...bodyProbes({
          base: { at: future(4) },
          textField: "note",
          wrongType: ["nearest", { at: future(4), nearest: "yes" }],
          sql: ["at", { at: SQL }],
          html: ["at", { at: HTML }],
          manyIds: ["ids", { at: future(4), ids: uuids(10_000) }],
          dates: [
            ["at", { at: "2027-02-30T10:00:00Z" }],
            ["at", { at: "9999-12-31T23:59:59Z" }],
          ],
        }),
        ...AUTH,
      ],
    },
    stateChange("cancel"),
    stateChange("publish-now"),
    stateChange("retry"),
    {
      fn: "conversions",
      method: "POST",
      path: "",
      auth: "user",
      probes: [
        ...bodyProbes({
          base: { distribution_id: distributionId, external_ref: "order-1" },
          textField: "external_ref",
          wrongType: ["value", { distribution_id: distributionId, value: "ten" }],
          sql: ["distribution_id", { distribution_id: SQL }],
          html: ["currency", { distribution_id: distributionId, currency: HTML }],
          manyIds: ["metadata", {
            distribution_id: distributionId,
            metadata: Object.fromEntries(uuids(10_000).map((u) => [u, 1])),
          }],
          dates: [["occurred_at", {
            distribution_id: distributionId,
            occurred_at: "2026-02-30T10:00:00Z",
          }]],
        }),
        ...textProbes({ distribution_id: distributionId, metadata: {} }, "metadata")
          .filter((p) => p.class === "NUL")
          .map((p) => ({
            ...p,
            class: "NUL in a metadata value",
            payload: { json: { distribution_id: distributionId, metadata: { note: "a\u0000b" } } },
            field: "metadata.note",
          })),
        ...AUTH,
      ],
    },
    {
      fn: "platforms",
      method: "GET",
      path: "",
      auth: "user",
      probes: [{ class: "valid list" }, ...AUTH],
    },
    {
      fn: "platforms",
      method: "GET",
      path: `/${platformId}`,
      auth: "user",
      probes: [
        { class: "valid read" },
        { class: "SQL in the path", path: `/${encodeURIComponent(SQL)}` },
        { class: "NUL in the path", path: "/%00" },
        ...AUTH,
      ],
    },
    {
      fn: "platforms",
      method: "POST",
      path: `/${platformId}/reconnect`,
      auth: "user",
      probes: [
        ...bodyProbes({
          base: { credentials: { app_key: "k", app_secret: "s", access_token: "t" } },
          textField: "retry_failed",
          wrongType: ["retry_failed", { credentials: {}, retry_failed: "yes" }],
          sql: ["retry_failed", { credentials: {}, retry_failed: SQL }],
          html: ["credentials", { credentials: HTML }],
          manyIds: ["(body)", {
            credentials: Object.fromEntries(uuids(10_000).map((u) => [u, 1])),
          }],
        }),
        {
          class: "NUL in a credential",
          payload: { json: { credentials: { app_key: "k\u0000", app_secret: "s" } } },
          field: "credentials.app_key",
        },
        {
          class: "oversized secret",
          payload: { json: { credentials: { app_key: "k".repeat(20_000), app_secret: "s" } } },
          field: "credentials.app_key",
        },
        {
          class: "10 MB secret",
          payload: { json: { credentials: { app_key: "k".repeat(10_000_000) } } },
          field: "(body)",
        },
        ...AUTH,
      ],
    },
    {
      fn: "me",
      method: "GET",
      path: "",
      auth: "user",
      probes: [{ class: "valid read" }, ...AUTH],
    },
    {
      fn: "health",
      method: "GET",
      path: "",
      auth: "public",
      probes: [{ class: "valid read", token: "none" }, ...AUTH],
    },
    {
      fn: "podcast-feed",
      method: "GET",
      path: `/${missing}`,
      auth: "public",
      probes: [
        { class: "unknown feed", token: "none" },
        { class: "SQL in the path", token: "none", path: `/${encodeURIComponent(SQL)}` },
        { class: "NUL in the path", token: "none", path: "/%00" },
        ...AUTH,
      ],
    },
    {
      fn: "platform-webhooks",
      method: "POST",
      path: `/${platformId}`,
      auth: "public",
      probes: [
        // unsigned: every class is refused before its content matters; none may crash it
        ...bodyProbes({
          base: { events: [] },
          textField: "note",
          wrongType: ["events", { events: "x" }],
          sql: ["events", { events: [{ event_type: SQL, external_id: SQL }] }],
          html: ["events", { events: [{ event_type: HTML, external_id: HTML }] }],
          manyIds: ["events", { events: uuids(10_000) }],
        }).map(({ field: _field, ...p }) => ({ ...p, token: "none" as const })),
        { class: "unknown platform", token: "none", path: `/${missing}` },
        { class: "SQL in the path", token: "none", path: `/${encodeURIComponent(SQL)}` },
        { class: "NUL in the path", token: "none", path: "/%00" },
        ...AUTH,
      ],
    },
    {
      fn: "platform-webhooks",
      method: "GET",
      path: `/${missing}`,
      auth: "public",
      probes: [{ class: "unknown platform", token: "none" }, ...AUTH],
    },
    ...[["schedule", ""], ["schedule", dist], ["conversions", ""], ["platforms", `/${platformId}`]]
      .map(([fn, path]): Endpoint => ({
        fn,
        method: "DELETE",
        path,
        auth: "user",
        probes: [{ class: "a method no route takes" }, ...AUTH],
      })),
    service("publish", "budget_ms"),
    service("metrics", "batch_size"),
    service("ab-tests", "alpha"),
    service("learn-posting-times", "seed"),
    service("process-distribution-requests", "limit"),
    service("renew-tokens", "limit"),
    {
      fn: "deliver-webhooks",
      method: "POST",
      path: "",
      auth: "service",
      probes: serviceProbes("zz_option").map((p) =>
        p.class === "wrong type" || p.class === "SQL payload" || p.class === "HTML payload"
          ? { ...p, field: "zz_option" }
          : p
      ),
    },
  ];
}

const COUNTED = [
  "public.clients",
  "public.client_members",
  "public.platforms",
  "public.generated_content",
  "public.distribution_requests",
  "public.distributions",
  "public.distribution_attempts",
  "public.cross_post_groups",
  "public.publishing_calendar",
  "public.platform_cancellations",
  "public.conversions",
  "public.ab_tests",
  "public.webhook_deliveries",
  "public.platform_webhook_events",
  "public.distribution_metrics",
  "public.pattern_feedback",
  "vault.secrets",
];

async function counts(sql: ReturnType<typeof connect>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of COUNTED) {
    const [row] = await sql.unsafe(`select count(*)::int as n from ${table}`);
    out[table] = row.n;
  }
  return out;
}

interface Reply {
  status: number;
  body: unknown;
}

async function send(
  endpoint: Endpoint,
  probe: Probe,
  tokens: Record<string, string | undefined>,
): Promise<Reply> {
  const token = tokens[probe.token ?? (endpoint.auth === "service" ? "service" : "user")];
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let body: BodyInit | undefined;
  if (probe.payload) {
    headers["content-type"] = "application/json";
    body = "json" in probe.payload
      ? JSON.stringify(probe.payload.json)
      : probe.payload.bytes as Uint8Array<ArrayBuffer>;
  }
  const res = await fetch(`${stack.functionUrl(endpoint.fn)}${probe.path ?? endpoint.path}`, {
    method: endpoint.method,
    headers,
    body: endpoint.method === "GET" ? undefined : body,
  });
  return await replyOf(res);
}

function namedFields(body: unknown): string[] {
  const details = (body as { details?: unknown })?.details;
  if (!Array.isArray(details)) return [];
  return details.map((d) => String((d as { field?: unknown })?.field));
}

Deno.test("every hostile input class to every endpoint: 4xx naming the field, no 5xx, nothing written", async () => {
  const sql = connect();
  try {
    const tenant = await createTenant(sql, [{ kind: "x" }, { kind: "linkedin" }]);
    // A webhook secret, so unsigned callbacks reach the signature check rather than stop at
    // "unknown platform".
    const [secret] = await sql`select vault.create_secret(
      ${JSON.stringify({ access_token: "t", webhook_secret: "corpus-webhook-secret" })},
      ${`corpus-${tenant.platforms[0]}`}, 'input corpus') as id`;
    await sql`update public.platforms set credentials_secret_id = ${secret.id}
               where id = ${tenant.platforms[0]}`;
    const scheduled = await api(tenant.token, "POST", "", {
      content: { title: "Corpus", body: "The one distribution the corpus aims at." },
      platform_ids: [tenant.platforms[0]],
      at: future(5),
    });
    assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
    const distributionId = scheduled.body.results[0].distributions[0].id as string;
    const tokens = {
      user: tenant.token,
      service: stack.serviceKey,
      none: undefined,
      garbage: "garbage.token.value",
      expired: await userJwt(tenant.userId, { expiresIn: -3600 }),
    };

    const before = await counts(sql);
    const failures: string[] = [];
    let sent = 0;
    for (const endpoint of endpoints(tenant.platforms[0], distributionId)) {
      for (const probe of endpoint.probes) {
        const reply = await send(endpoint, probe, tokens);
        sent++;
        const where = `${endpoint.method} ${endpoint.fn}${endpoint.path} [${probe.class}]`;
        const shown = JSON.stringify(reply.body).slice(0, 300);
        if (reply.status >= 500) {
          failures.push(`${where}: ${reply.status} ${shown}`);
          continue;
        }
        const authFailure = probe.token && ["none", "garbage", "expired"].includes(probe.token);
        if (authFailure && endpoint.auth !== "public" && ![401, 403].includes(reply.status)) {
          failures.push(`${where}: expected 401/403, got ${reply.status} ${shown}`);
        }
        if (probe.class === "a method no route takes" && ![404, 405].includes(reply.status)) {
          failures.push(`${where}: expected 404/405, got ${reply.status} ${shown}`);
        }
        if (probe.token === "user" && endpoint.auth === "service" && reply.status !== 403) {
          failures.push(`${where}: expected 403, got ${reply.status} ${shown}`);
        }
        if (probe.field && !authFailure) {
          const fields = namedFields(reply.body);
          const named = fields.some((f) => f === probe.field || f.startsWith(`${probe.field}.`));
          if (reply.status < 400 || !named) {
            failures.push(
              `${where}: expected a 4xx naming ${probe.field}, got ${reply.status} ${shown}`,
            );
          }
        }
      }
    }
    const after = await counts(sql);
    assert.deepEqual(
      failures,
      [],
      `${failures.length} of ${sent} requests:\n${failures.join("\n")}`,
    );
    assert.ok(sent > 200, `only ${sent} requests sent`);
    assert.deepEqual(after, before, "row counts changed");
  } finally {
    await sql.end();
  }
});
