/**
 * Mailchimp Marketing API v3 emulator (campaigns + reports), as Mailchimp behaves: Basic auth with
 * any user and the API key as password, or an OAuth Bearer token; problem JSON errors
 * (`{type,title,status,detail,instance,errors?}`, application/problem+json); at most 10
 * simultaneous connections, else 429; the send checklist gating send and schedule; schedule_time
 * in the future and on a quarter hour (UTC); scheduled campaigns becoming `sent` when due; reports
 * from the engagement model once sent. OAuth (login.mailchimp.com): GET /oauth2/authorize and
 * POST /oauth2/token (authorization-code grant, client secret in the form; tokens never expire, so
 * `expires_in: 0` and no refresh token), GET /oauth2/metadata (`Authorization: OAuth <token>`: the
 * account, its data centre and api_endpoint, here the emulator's origin), GET /3.0/lists/:id.
 */
import {
  authorizationCodes,
  basicCredentials,
  bearerToken,
  formParams,
  oauthError,
} from "./auth.ts";
import type { EmulatorContext, EmulatorDefinition, EmulatorRequest, Route } from "./framework.ts";
import { json } from "./framework.ts";
import { limitsFor } from "../../supabase/functions/_shared/adapters/settings.ts";

type CampaignStatus = "save" | "paused" | "schedule" | "sending" | "sent";

export interface McCampaign {
  id: string;
  web_id: number;
  type: string;
  status: CampaignStatus;
  list_id: string;
  settings: Record<string, string>;
  html?: string;
  create_time: Date;
  send_time?: Date;
  emails_sent: number;
}

/** An OAuth app registered with Mailchimp. */
export interface McOAuthClient {
  client_id: string;
  client_secret: string;
}

export const DEFAULT_MAILCHIMP_CLIENT: McOAuthClient = {
  client_id: "emu-mailchimp-client",
  client_secret: "emu-mailchimp-secret",
};

/** The account the emulator's OAuth metadata describes. */
export const MAILCHIMP_ACCOUNT = { user_id: 8_000_001, accountname: "Emulated Newsletter" };

export interface MailchimpState {
  apiKeys: Set<string>;
  oauthClients: McOAuthClient[];
  accessTokens: Set<string>;
  lists: Map<string, { id: string; name: string; member_count: number }>;
  campaigns: Map<string, McCampaign>;
  maxConnections: number;
  inFlight: number;
  /** Time each request holds its connection (makes the concurrency limit observable). */
  responseDelayMs: number;
  nextWebId: number;
}

export interface MailchimpEmulatorOptions {
  apiKeys?: string[];
  accessTokens?: string[];
  oauthClients?: McOAuthClient[];
  lists?: Record<string, number>;
  maxConnections?: number;
  responseDelayMs?: number;
}

const ERROR_DOCS = "https://mailchimp.com/developer/marketing/docs/errors/";
const STEP_MINUTES = limitsFor("email").scheduleStepMinutes;
const UNSUB = "*|UNSUB|*";

export function problem(
  status: number,
  title: string,
  detail: string,
  errors?: { field: string; message: string }[],
): Response {
  return new Response(
    JSON.stringify({
      type: ERROR_DOCS,
      title,
      status,
      detail,
      instance: crypto.randomUUID(),
      errors,
    }),
    { status, headers: { "content-type": "application/problem+json; charset=utf-8" } },
  );
}

const notFound = () =>
  problem(404, "Resource Not Found", "The requested resource could not be found.");
const noContent = () => new Response(null, { status: 204 });

function hexId(): string {
  return crypto.randomUUID().replace(/-/g, "").slice(0, 10);
}

function checklist(c: McCampaign, state: MailchimpState) {
  const items: {
    type: "error" | "warning" | "success";
    id: number;
    heading: string;
    details: string;
  }[] = [];
  const check = (
    ok: boolean,
    heading: string,
    details: string,
    level: "error" | "warning" = "error",
  ) => items.push({ type: ok ? "success" : level, id: items.length, heading, details });
  check(state.lists.has(c.list_id), "List", "Your campaign must be sent to an existing audience.");
  check(!!c.settings.subject_line, "Subject Line", "Your campaign needs a subject line.");
  check(!!c.settings.from_name, "From Name", "Your campaign needs a from name.");
  check(
    /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(c.settings.reply_to ?? ""),
    "From Email",
    "Your campaign needs a valid reply-to address.",
  );
  check(!!c.html, "Content", "Your campaign has no content.");
  check(
    (c.html ?? "").includes(UNSUB),
    "Unsubscribe Link",
    "No *|UNSUB|* merge tag: Mailchimp will add its own footer.",
    "warning",
  );
  return { is_ready: items.every((i) => i.type !== "error"), items };
}

export function mailchimpEmulator(
  options: MailchimpEmulatorOptions = {},
): EmulatorDefinition<MailchimpState> {
  const state: MailchimpState = {
    apiKeys: new Set(options.apiKeys ?? ["emulator-key-us1"]),
    accessTokens: new Set(options.accessTokens ?? []),
    oauthClients: options.oauthClients ?? [DEFAULT_MAILCHIMP_CLIENT],
    lists: new Map(
      Object.entries(options.lists ?? { list1: 5000 }).map((
        [id, members],
      ) => [id, { id, name: `Audience ${id}`, member_count: members }]),
    ),
    campaigns: new Map(),
    maxConnections: options.maxConnections ?? 10,
    inFlight: 0,
    responseDelayMs: options.responseDelayMs ?? 0,
    nextWebId: 1_000_001,
  };

  /** Scheduled campaigns go out when due. */
  const current = (id: string, now: Date): McCampaign | undefined => {
    const c = state.campaigns.get(id);
    if (c?.status === "schedule" && c.send_time && now >= c.send_time) {
      c.status = "sent";
      c.emails_sent = state.lists.get(c.list_id)?.member_count ?? 0;
    }
    return c;
  };

  const view = (c: McCampaign) => ({
    id: c.id,
    web_id: c.web_id,
    type: c.type,
    create_time: c.create_time.toISOString(),
    archive_url: `http://eepurl.com/${c.id.slice(0, 6)}`,
    long_archive_url: `https://us1.campaign-archive.com/?u=0123456789abcdef&id=${c.id}`,
    status: c.status,
    emails_sent: c.emails_sent,
    send_time: c.send_time?.toISOString() ?? "",
    content_type: "html",
    recipients: { list_id: c.list_id, list_is_active: state.lists.has(c.list_id) },
    settings: c.settings,
  });

  type Handler = (req: EmulatorRequest, ctx: EmulatorContext) => Response;

  /** Auth, the connection limit, then the handler. */
  const guarded = (handler: Handler): Route["handle"] => async (req, ctx) => {
    const basic = basicCredentials(req.headers);
    const bearer = basic ? undefined : bearerToken(req.headers);
    const authorized = basic
      ? state.apiKeys.has(basic.password)
      : !!bearer && state.accessTokens.has(bearer);
    if (!authorized) {
      return problem(
        401,
        "API Key Invalid",
        "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
      );
    }
    state.inFlight++;
    try {
      if (state.inFlight > state.maxConnections) {
        return problem(
          429,
          "Too Many Requests",
          `You have exceeded the limit of ${state.maxConnections} simultaneous connections.`,
        );
      }
      if (state.responseDelayMs) await new Promise((r) => setTimeout(r, state.responseDelayMs));
      return handler(req, ctx);
    } finally {
      state.inFlight--;
    }
  };

  /** A handler on an existing campaign. */
  const onCampaign = (
    handler: (c: McCampaign, req: EmulatorRequest, ctx: EmulatorContext) => Response,
  ) =>
    guarded((req, ctx) => {
      const c = current(req.params.id, ctx.now());
      return c ? handler(c, req, ctx) : notFound();
    });

  const body = (req: EmulatorRequest) =>
    (req.body && typeof req.body === "object" ? req.body : {}) as Record<string, unknown>;
  const strings = (value: unknown) =>
    Object.fromEntries(
      Object.entries((value ?? {}) as Record<string, unknown>).filter(([, v]) =>
        typeof v === "string"
      ),
    ) as Record<string, string>;

  const notReady = (c: McCampaign) => {
    const { is_ready, items } = checklist(c, state);
    if (is_ready) return undefined;
    return problem(
      400,
      "Bad Request",
      "Your Campaign is not ready to send.",
      items
        .filter((i) => i.type === "error")
        .map((i) => ({ field: i.heading, message: i.details })),
    );
  };
  const editable = (c: McCampaign) =>
    c.status === "save" || c.status === "paused" ? undefined : problem(
      400,
      "Bad Request",
      `This campaign cannot be changed while its status is ${c.status}.`,
    );

  const create: Handler = (req, ctx) => {
    const b = body(req);
    const recipients = (b.recipients ?? {}) as Record<string, unknown>;
    const type = String(b.type ?? "");
    if (!["regular", "plaintext", "absplit", "rss", "variate"].includes(type)) {
      return problem(400, "Invalid Resource", "The resource submitted could not be validated.", [
        { field: "type", message: "Data presented is not one of the accepted values." },
      ]);
    }
    const listId = String(recipients.list_id ?? "");
    if (!state.lists.has(listId)) {
      return problem(400, "Invalid Resource", "The resource submitted could not be validated.", [
        { field: "recipients.list_id", message: `Invalid list ID: ${listId || "(none)"}` },
      ]);
    }
    const c: McCampaign = {
      id: hexId(),
      web_id: state.nextWebId++,
      type,
      status: "save",
      list_id: listId,
      settings: strings(b.settings),
      create_time: ctx.now(),
      emails_sent: 0,
    };
    state.campaigns.set(c.id, c);
    return json(view(c));
  };

  const list: Handler = (req, ctx) => {
    const since = req.query.get("since_create_time");
    const status = req.query.get("status");
    const dir = req.query.get("sort_dir") === "ASC" ? 1 : -1;
    const all = [...state.campaigns.keys()]
      .map((id) => current(id, ctx.now())!)
      .filter((c) => !since || c.create_time >= new Date(since))
      .filter((c) => !status || c.status === status)
      .sort((a, b) => dir * (a.create_time.getTime() - b.create_time.getTime()));
    const offset = Number(req.query.get("offset") ?? 0);
    const count = Math.min(Number(req.query.get("count") ?? 10), 1000);
    return json({
      campaigns: all.slice(offset, offset + count).map(view),
      total_items: all.length,
    });
  };

  const report = (c: McCampaign, ctx: EmulatorContext) => {
    const sent = c.emails_sent;
    const m = ctx.engagement.metrics("email", c.id, c.send_time!, ctx.now());
    const hard = Math.floor(sent * 0.004);
    const soft = Math.floor(sent * 0.01);
    const uniqueOpens = Math.min(sent - hard - soft, Math.floor(m.opens * 0.8));
    const uniqueClicks = Math.min(uniqueOpens, Math.floor(m.clicks * 0.75));
    const delivered = Math.max(1, sent - hard - soft);
    return {
      id: c.id,
      campaign_title: c.settings.title ?? "",
      type: c.type,
      list_id: c.list_id,
      subject_line: c.settings.subject_line ?? "",
      emails_sent: sent,
      abuse_reports: 0,
      unsubscribed: m.unsubscribes,
      send_time: c.send_time!.toISOString(),
      bounces: { hard_bounces: hard, soft_bounces: soft, syntax_errors: 0 },
      forwards: { forwards_count: 0, forwards_opens: 0 },
      opens: {
        opens_total: Math.max(m.opens, uniqueOpens),
        unique_opens: uniqueOpens,
        open_rate: uniqueOpens / delivered,
      },
      clicks: {
        clicks_total: Math.max(m.clicks, uniqueClicks),
        unique_clicks: uniqueClicks,
        unique_subscriber_clicks: uniqueClicks,
        click_rate: uniqueClicks / delivered,
      },
    };
  };

  const authorization = authorizationCodes({
    clientIds: () => state.oauthClients.map((c) => c.client_id),
    subject: () => String(MAILCHIMP_ACCOUNT.user_id),
    lifetimeSeconds: 600,
  });

  const routes: Route[] = [
    {
      method: "GET",
      path: "/oauth2/authorize",
      handle: (req, ctx) => authorization.authorize(req.query, ctx.now()),
    },
    {
      method: "POST",
      path: "/oauth2/token",
      async handle(req, ctx) {
        const param = formParams(req.body);
        if (param("grant_type") !== "authorization_code") {
          return oauthError(400, "unsupported_grant_type", "Invalid grant_type");
        }
        const client = state.oauthClients.find((c) => c.client_id === param("client_id"));
        if (!client || client.client_secret !== param("client_secret")) {
          return oauthError(401, "invalid_client", "Invalid client credentials");
        }
        const code = await authorization.redeem(param, client.client_id, ctx.now());
        if (code instanceof Response) return code;
        const token = `emu-mc-${crypto.randomUUID().replace(/-/g, "")}`;
        state.accessTokens.add(token);
        return json({ access_token: token, expires_in: 0, scope: null });
      },
    },
    {
      method: "GET",
      path: "/oauth2/metadata",
      handle(req, ctx) {
        const token = /^OAuth\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
        if (!token || !state.accessTokens.has(token)) {
          return oauthError(401, "invalid_token", "Invalid or missing access token");
        }
        return json({
          dc: "us1",
          role: "owner",
          accountname: MAILCHIMP_ACCOUNT.accountname,
          user_id: MAILCHIMP_ACCOUNT.user_id,
          login: { login_id: MAILCHIMP_ACCOUNT.user_id, login_name: "emulated" },
          login_url: `${ctx.origin}/login`,
          api_endpoint: ctx.origin,
        });
      },
    },
    {
      method: "GET",
      path: "/3.0/lists/:id",
      handle: guarded((req) => {
        const list = state.lists.get(req.params.id);
        if (!list) {
          return problem(404, "Resource Not Found", "The requested resource could not be found.");
        }
        return json({ id: list.id, name: list.name, stats: { member_count: list.member_count } });
      }),
    },
    { method: "POST", path: "/3.0/campaigns", handle: guarded(create) },
    { method: "GET", path: "/3.0/campaigns", handle: guarded(list) },
    { method: "GET", path: "/3.0/campaigns/:id", handle: onCampaign((c) => json(view(c))) },
    {
      method: "PATCH",
      path: "/3.0/campaigns/:id",
      handle: onCampaign((c, req) => {
        const refused = editable(c);
        if (refused) return refused;
        c.settings = { ...c.settings, ...strings(body(req).settings) };
        return json(view(c));
      }),
    },
    {
      method: "DELETE",
      path: "/3.0/campaigns/:id",
      handle: onCampaign((c) => {
        state.campaigns.delete(c.id);
        return noContent();
      }),
    },
    {
      method: "PUT",
      path: "/3.0/campaigns/:id/content",
      handle: onCampaign((c, req) => {
        const refused = editable(c);
        if (refused) return refused;
        const html = body(req).html;
        if (typeof html !== "string") {
          return problem(
            400,
            "Invalid Resource",
            "The resource submitted could not be validated.",
            [
              { field: "html", message: "This value should be of type string." },
            ],
          );
        }
        c.html = html;
        return json({
          html,
          plain_text: html.replace(/<[^>]+>/g, ""),
          archive_html: html,
          _links: [],
        });
      }),
    },
    {
      method: "GET",
      path: "/3.0/campaigns/:id/send-checklist",
      handle: onCampaign((c) => json(checklist(c, state))),
    },
    {
      method: "POST",
      path: "/3.0/campaigns/:id/actions/send",
      handle: onCampaign((c, _req, ctx) => {
        const refused = editable(c) ?? notReady(c);
        if (refused) return refused;
        c.status = "sent";
        c.send_time = ctx.now();
        c.emails_sent = state.lists.get(c.list_id)?.member_count ?? 0;
        return noContent();
      }),
    },
    {
      method: "POST",
      path: "/3.0/campaigns/:id/actions/schedule",
      handle: onCampaign((c, req, ctx) => {
        const at = new Date(String(body(req).schedule_time ?? ""));
        if (Number.isNaN(at.getTime()) || at <= ctx.now()) {
          return problem(400, "Invalid Resource", "Schedule time must be in the future.", [
            { field: "schedule_time", message: "Schedule time must be in the future." },
          ]);
        }
        if (at.getUTCMinutes() % STEP_MINUTES || at.getUTCSeconds() || at.getUTCMilliseconds()) {
          return problem(
            400,
            "Invalid Resource",
            "Schedule time must be on the quarter-hour (:00, :15, :30, :45).",
            [{ field: "schedule_time", message: "Must be on the quarter-hour." }],
          );
        }
        const refused = editable(c) ?? notReady(c);
        if (refused) return refused;
        c.status = "schedule";
        c.send_time = at;
        return noContent();
      }),
    },
    {
      method: "POST",
      path: "/3.0/campaigns/:id/actions/unschedule",
      handle: onCampaign((c) => {
        if (c.status !== "schedule") {
          return problem(400, "Bad Request", "This campaign is not scheduled.");
        }
        c.status = "save";
        c.send_time = undefined;
        return noContent();
      }),
    },
    {
      method: "GET",
      path: "/3.0/reports/:id",
      handle: onCampaign((c, _req, ctx) =>
        c.send_time && c.status === "sent" ? json(report(c, ctx)) : notFound()
      ),
    },
  ];

  return {
    name: "mailchimp",
    state,
    routes,
    persist: { keys: ["lists", "campaigns", "nextWebId"] },
    faults: {
      rateLimited: () =>
        problem(
          429,
          "Too Many Requests",
          "You have exceeded the limit of 10 simultaneous connections.",
        ),
      revokedToken: () =>
        problem(
          401,
          "API Key Invalid",
          "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
        ),
      serverError: (status) =>
        problem(
          status,
          "Internal Server Error",
          "An unexpected internal error has occurred. Please contact Support for more information.",
        ),
    },
  };
}
