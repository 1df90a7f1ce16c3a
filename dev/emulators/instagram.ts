/**
 * Instagram Graph API (content publishing) emulator, as Meta behaves: access token as a parameter or
 * Bearer; Meta error JSON (`{error:{message,type,code,error_subcode,fbtrace_id}}`, HTTP 400 for
 * OAuth and parameter errors); containers IN_PROGRESS -> FINISHED after processing and EXPIRED
 * after 24 h. Images are FINISHED at once unless `imageProcessingMs` (option, or
 * `state.imageProcessingMs` for containers created after) keeps them IN_PROGRESS that long; videos
 * take `videoProcessingMs` (50 ms). media_publish of an IN_PROGRESS container answers code 9007,
 * subcode 2207027 ("Media ID is not available", not ready for publishing) and publishes nothing;
 * of one otherwise not FINISHED, 9007 / 2207006. The rolling 24 h publishing cap (code 9, subcode
 * 2207042) and `content_publishing_limit`; a media URL that cannot be fetched (host containing
 * "unreachable") fails with subcode 2207052; insights from the engagement model (`impressions` is
 * rejected, deprecated since v22), and the IG user's `online_followers` (period lifetime) from it. Facebook Login: GET /:v/dialog/oauth (the consent page: codes live
 * ten minutes, auth.ts authorizationCodes), GET /:v/oauth/access_token (a code for a short-lived
 * user token of an hour; grant_type=fb_exchange_token for a long-lived one of 60 days, also renewing
 * a long-lived one; refused with code 190 when expired, revoked or unknown), GET
 * /:v/me/accounts (the Facebook Page with its instagram_business_account) and the IG user node
 * (username, followers_count).
 */
import { authorizationCodes, bearerToken } from "./auth.ts";
import {
  type EmulatorContext,
  type EmulatorDefinition,
  json,
  type Route,
  Timestamps,
} from "./framework.ts";
import { limitsFor } from "../../supabase/functions/_shared/adapters/settings.ts";
import { nextMidnight, zonedParts } from "../../supabase/functions/_shared/adapters/zoned-time.ts";

type ContainerStatus = "IN_PROGRESS" | "FINISHED" | "ERROR" | "PUBLISHED";

export interface IgContainer {
  id: string;
  userId: string;
  mediaType: "IMAGE" | "REELS" | "CAROUSEL";
  caption: string;
  isCarouselItem: boolean;
  children: string[];
  createdAt: Date;
  readyAt: Date;
  status: ContainerStatus;
}

export interface IgMedia {
  id: string;
  userId: string;
  caption: string;
  mediaType: string;
  permalink: string;
  timestamp: Date;
}

export interface InstagramState {
  tokens: Set<string>;
  revoked: Set<string>;
  users: Set<string>;
  containers: Map<string, IgContainer>;
  media: Map<string, IgMedia>;
  nextId: bigint;
  /** Published posts allowed per rolling 24 h (Meta: 50, older docs 25). */
  postsPer24h: number;
  imageProcessingMs: number;
  videoProcessingMs: number;
}

/** A Facebook app of the emulated Graph API (Facebook Login). */
export interface FacebookApp {
  client_id: string;
  client_secret: string;
}

export const DEFAULT_FACEBOOK_APP: FacebookApp = {
  client_id: "emu-facebook-app",
  client_secret: "emu-facebook-secret",
};

/** The Instagram professional account behind the emulated Facebook Page. */
export const DEFAULT_IG_ACCOUNT = {
  id: "17841400000000001",
  username: "emulated_gram",
  followers_count: 3100,
  page_id: "100000000000001",
};

/** Short-lived (Facebook Login) and long-lived (fb_exchange_token) user tokens, in seconds. */
const SHORT_LIVED_S = 3600;
const LONG_LIVED_S = 60 * 86_400;

export interface InstagramEmulatorOptions {
  tokens?: string[];
  users?: string[];
  postsPer24h?: number;
  imageProcessingMs?: number;
  videoProcessingMs?: number;
}

const DAY_MS = 86_400_000;
const LIMITS = limitsFor("instagram");
const INSIGHTS = ["views", "reach", "likes", "comments", "shares", "saved", "total_interactions"];

interface MetaErrorExtra {
  subcode?: number;
  status?: number;
  transient?: boolean;
  /** What Meta shows the app's user (`error_user_title`, `error_user_msg`). */
  user?: { title: string; msg: string };
}

function metaError(
  code: number,
  message: string,
  extra: MetaErrorExtra = {},
  headers?: Record<string, string>,
): Response {
  return json(
    {
      error: {
        message,
        type: code === 190 || code === 2500 ? "OAuthException" : "IGApiException",
        code,
        error_subcode: extra.subcode,
        is_transient: extra.transient ?? false,
        error_user_title: extra.user?.title,
        error_user_msg: extra.user?.msg,
        fbtrace_id: crypto.randomUUID().replace(/-/g, "").slice(0, 22),
      },
    },
    extra.status ?? 400,
    headers,
  );
}

const missing = (id: string) =>
  metaError(
    100,
    `Unsupported request. Object with ID '${id}' does not exist, cannot be loaded due to missing ` +
      "permissions, or does not support this operation.",
    { subcode: 33 },
  );

/** Query parameters merged with a form or JSON body, as the Graph API reads them. */
function params(req: { query: URLSearchParams; body: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  req.query.forEach((value, key) => {
    out[key] = value;
  });
  if (req.body && typeof req.body === "object") {
    for (const [k, v] of Object.entries(req.body)) out[k] = String(v);
  }
  return out;
}

function shortcode(id: string): string {
  return btoa(id).replace(/[^A-Za-z0-9]/g, "").slice(0, 11);
}

export function instagramEmulator(
  options: InstagramEmulatorOptions = {},
): EmulatorDefinition<InstagramState> {
  const state: InstagramState = {
    tokens: new Set(options.tokens ?? ["ig-token"]),
    revoked: new Set(),
    users: new Set(options.users ?? ["17841400000000001"]),
    containers: new Map(),
    media: new Map(),
    nextId: 17_890_000_000_000_000n,
    postsPer24h: options.postsPer24h ?? LIMITS.postsPer24h,
    imageProcessingMs: options.imageProcessingMs ?? 0,
    videoProcessingMs: options.videoProcessingMs ?? 50,
  };
  const newId = () => String(state.nextId++);
  /** When each user published, for the rolling 24 h cap. */
  const publishedAt = new Timestamps();

  /** Status as of now: FINISHED once processed, EXPIRED 24 h after creation. */
  const statusOf = (c: IgContainer, now: Date): ContainerStatus | "EXPIRED" => {
    if (c.status === "PUBLISHED" || c.status === "ERROR") return c.status;
    if (now.getTime() - c.createdAt.getTime() > DAY_MS) return "EXPIRED";
    return now >= c.readyAt ? "FINISHED" : "IN_PROGRESS";
  };

  const publishedLastDay = (userId: string, now: Date) =>
    publishedAt.countAfter(userId, now.getTime() - DAY_MS);

  type Handler = (
    p: Record<string, string>,
    path: Record<string, string>,
    ctx: EmulatorContext,
  ) => Response;

  /** Token check (parameter or Bearer), then the handler with merged parameters. */
  const authed = (handler: Handler): Route["handle"] => (req, ctx) => {
    const p = params(req);
    const token = p.access_token ?? bearerToken(req.headers);
    if (!token) {
      return metaError(2500, "An active access token must be used to query information.");
    }
    if (state.revoked.has(token)) {
      return metaError(
        190,
        "Error validating access token: The session has been invalidated because the user " +
          "changed their password or Facebook has changed the session for security reasons.",
        { subcode: 460 },
      );
    }
    if (!state.tokens.has(token)) {
      return metaError(190, "Invalid OAuth access token - Cannot parse access token");
    }
    return handler(p, req.params, ctx);
  };

  const forUser = (handler: Handler): Route["handle"] =>
    authed((p, path, ctx) =>
      state.users.has(path.user) ? handler(p, path, ctx) : missing(path.user)
    );

  const createContainer: Handler = (p, { user }, ctx) => {
    const caption = p.caption ?? "";
    const isCarouselItem = p.is_carousel_item === "true";
    // Code points: never more than UTF-16 units, so most captions need no count.
    if (caption.length > LIMITS.maxCaptionChars && [...caption].length > LIMITS.maxCaptionChars) {
      return metaError(100, "(#100) The caption is too long.", { subcode: 2207010 });
    }
    if ((caption.match(/#[\p{L}\p{N}_]+/gu)?.length ?? 0) > LIMITS.maxHashtags) {
      return metaError(100, `(#100) A caption may contain at most ${LIMITS.maxHashtags} hashtags.`);
    }
    if ((caption.match(/@[A-Za-z0-9._]+/g)?.length ?? 0) > LIMITS.maxMentions) {
      return metaError(100, `(#100) A caption may contain at most ${LIMITS.maxMentions} mentions.`);
    }
    let mediaType: IgContainer["mediaType"];
    let children: string[] = [];
    let url: string | undefined;
    if (p.media_type === "CAROUSEL") {
      mediaType = "CAROUSEL";
      children = (p.children ?? "").split(",").filter(Boolean);
      if (children.length < 2 || children.length > LIMITS.maxCarouselItems) {
        return metaError(
          100,
          `(#100) A carousel needs between 2 and ${LIMITS.maxCarouselItems} children.`,
        );
      }
      const bad = children.find((id) => !state.containers.get(id)?.isCarouselItem);
      if (bad) return missing(bad);
    } else if (p.video_url) {
      if (p.media_type !== "REELS" && !isCarouselItem) {
        return metaError(
          100,
          "(#100) The media type VIDEO is no longer supported. Please use REELS.",
        );
      }
      mediaType = "REELS";
      url = p.video_url;
    } else if (p.image_url) {
      mediaType = "IMAGE";
      url = p.image_url;
    } else {
      return metaError(100, "(#100) The parameter image_url is required.");
    }
    if (url !== undefined) {
      let host = "";
      try {
        host = new URL(url).hostname;
      } catch {
        return metaError(100, "(#100) The media URL is not a valid URL.", { subcode: 2207052 });
      }
      if (host.includes("unreachable")) {
        return metaError(
          9004,
          "Media download has failed. The media URI doesn't meet our requirements.",
          {
            subcode: 2207052,
            transient: true,
          },
        );
      }
    }
    const now = ctx.now();
    const processing = mediaType === "REELS" ? state.videoProcessingMs : state.imageProcessingMs;
    const container: IgContainer = {
      id: newId(),
      userId: user,
      mediaType,
      caption,
      isCarouselItem,
      children,
      createdAt: now,
      readyAt: new Date(now.getTime() + processing),
      status: "IN_PROGRESS",
    };
    state.containers.set(container.id, container);
    return json({ id: container.id });
  };

  const publish: Handler = (p, { user }, ctx) => {
    const container = p.creation_id ? state.containers.get(p.creation_id) : undefined;
    if (!container || container.userId !== user) return missing(p.creation_id ?? "");
    const now = ctx.now();
    if (publishedLastDay(user, now) >= state.postsPer24h) {
      return metaError(9, "Application request limit reached", { subcode: 2207042 });
    }
    const status = statusOf(container, now);
    if (status === "IN_PROGRESS") {
      return metaError(9007, "Media ID is not available", {
        subcode: 2207027,
        user: {
          title: "Media not ready for publishing",
          msg: "The media is not ready for publishing, please wait for a moment",
        },
      });
    }
    if (status !== "FINISHED" || container.isCarouselItem) {
      return metaError(9007, `The media container is ${status} and cannot be published`, {
        subcode: 2207006,
      });
    }
    container.status = "PUBLISHED";
    const id = newId();
    state.media.set(id, {
      id,
      userId: user,
      caption: container.caption,
      mediaType: container.mediaType === "REELS" ? "VIDEO" : container.mediaType,
      permalink: `https://www.instagram.com/p/${shortcode(id)}/`,
      timestamp: now,
    });
    publishedAt.add(user, now.getTime());
    return json({ id });
  };

  const mediaFields = (m: IgMedia): Record<string, unknown> => ({
    id: m.id,
    caption: m.caption,
    media_type: m.mediaType,
    permalink: m.permalink,
    timestamp: m.timestamp.toISOString().replace(/\.\d{3}Z$/, "+0000"),
  });

  const pick = (all: Record<string, unknown>, fields: string | undefined) =>
    fields
      ? Object.fromEntries(
        ["id", ...fields.split(",")].filter((f) => f in all).map((f) => [f, all[f]]),
      )
      : { id: all.id };

  const getNode: Handler = (p, { id }, ctx) => {
    const container = state.containers.get(id);
    if (container) {
      const status = statusOf(container, ctx.now());
      return json(
        pick(
          { id, status_code: status, status: status === "IN_PROGRESS" ? "In Progress" : status },
          p.fields,
        ),
      );
    }
    const media = state.media.get(id);
    if (!media && id === DEFAULT_IG_ACCOUNT.id) {
      const { page_id: _, ...user } = DEFAULT_IG_ACCOUNT;
      return json(pick(user, p.fields));
    }
    return media ? json(pick(mediaFields(media), p.fields)) : missing(id);
  };

  /**
   * The IG user's `online_followers` (period lifetime): for each of the last 30 local days, hour
   * 0-23 of the audience's time zone -> followers online then, in proportion to the engagement
   * model's Instagram slot factor (40% of the followers at the week's best hour).
   */
  const onlineFollowers = (p: Record<string, string>, id: string, ctx: EmulatorContext) => {
    if (p.period !== "lifetime") {
      return metaError(
        100,
        "(#100) The following metrics (online_followers) should be specified " +
          "with period: lifetime",
      );
    }
    const model = ctx.engagement;
    const zone = model.params.audienceTimezone;
    let best = 0;
    for (let d = 0; d < 7; d++) {
      for (let h = 0; h < 24; h++) best = Math.max(best, model.localFactor("instagram", d, h));
    }
    const now = ctx.now().getTime();
    const ends = new Set<number>();
    for (let k = 1; k <= 30; k++) {
      ends.add(nextMidnight(zone, new Date(now - k * DAY_MS)).getTime());
    }
    const values = [...ends].filter((end) => end <= now).sort((a, b) => a - b).map((end) => {
      const weekday = zonedParts(new Date(end - 3_600_000), zone).weekday;
      const value: Record<string, number> = {};
      for (let h = 0; h < 24; h++) {
        const share = best > 0 ? model.localFactor("instagram", weekday, h) / best : 0;
        value[String(h)] = Math.round(DEFAULT_IG_ACCOUNT.followers_count * 0.4 * share);
      }
      return { value, end_time: new Date(end).toISOString().replace(/\.\d{3}Z$/, "+0000") };
    });
    return json({
      data: [{
        name: "online_followers",
        period: "lifetime",
        values,
        title: "Online followers",
        description: "Total number of this profile's followers that were online during the " +
          "specified hour",
        id: `${id}/insights/online_followers/lifetime`,
      }],
    });
  };

  const insights: Handler = (p, { id }, ctx) => {
    if (state.users.has(id)) {
      if (p.metric !== "online_followers") {
        return metaError(
          100,
          "(#100) metric[0] must be one of the following values: " +
            "online_followers, follower_count, reach, views, profile_views",
        );
      }
      return onlineFollowers(p, id, ctx);
    }
    const media = state.media.get(id);
    if (!media) return missing(id);
    const wanted = (p.metric ?? "").split(",").filter(Boolean);
    const bad = wanted.findIndex((m) => !INSIGHTS.includes(m));
    if (wanted.length === 0 || bad >= 0) {
      return metaError(
        100,
        `(#100) metric[${Math.max(bad, 0)}] must be one of the following values: ${
          INSIGHTS.join(", ")
        }`,
      );
    }
    const m = ctx.engagement.metrics("instagram", id, media.timestamp, ctx.now());
    const values: Record<string, number> = {
      views: m.impressions,
      reach: m.reach,
      likes: m.likes,
      comments: m.comments,
      shares: m.shares,
      saved: m.saves,
      total_interactions: m.likes + m.comments + m.shares + m.saves,
    };
    return json({
      data: wanted.map((name) => ({
        name,
        period: "lifetime",
        values: [{ value: values[name] }],
        title: name,
        id: `${id}/insights/${name}/lifetime`,
      })),
    });
  };

  const authorization = authorizationCodes({
    clientIds: () => [DEFAULT_FACEBOOK_APP.client_id],
    subject: () => DEFAULT_IG_ACCOUNT.id,
    lifetimeSeconds: 600,
  });
  /** Tokens issued by oauth/access_token: long-lived or not, until when (ms). */
  const issued = new Map<string, { longLived: boolean; expiresAt: number }>();

  const oauthFailure = (message: string, subcode?: number) =>
    metaError(100, message, { subcode, status: 400 });

  /** GET oauth/access_token: a code for a short-lived token, or one exchanged for a long-lived one. */
  const accessToken: Route["handle"] = async (req, ctx) => {
    const p = params(req);
    if (p.client_id !== DEFAULT_FACEBOOK_APP.client_id) {
      return oauthFailure("Error validating application. Invalid application ID.", 101);
    }
    if (p.client_secret !== DEFAULT_FACEBOOK_APP.client_secret) {
      return oauthFailure("Error validating client secret.", 1);
    }
    const token = (longLived: boolean) => {
      const value = `EAA-emu-${longLived ? "long" : "short"}-${
        crypto.randomUUID().replace(/-/g, "")
      }`;
      const lifetime = longLived ? LONG_LIVED_S : SHORT_LIVED_S;
      state.tokens.add(value);
      issued.set(value, { longLived, expiresAt: ctx.now().getTime() + lifetime * 1000 });
      return json({ access_token: value, token_type: "bearer", expires_in: lifetime });
    };
    // A short-lived token for a long-lived one, or a long-lived one renewed (a new 60 days) before
    // it runs out: an expired, revoked or unknown token is refused (code 190).
    if (p.grant_type === "fb_exchange_token") {
      const given = p.fb_exchange_token ?? "";
      const held = issued.get(given);
      if (state.revoked.has(given)) {
        return metaError(
          190,
          "Error validating access token: The session has been invalidated because the user " +
            "changed their password or Facebook has changed the session for security reasons.",
          { subcode: 460 },
        );
      }
      if (!held) return metaError(190, "Invalid OAuth access token - Cannot parse access token");
      if (held.expiresAt <= ctx.now().getTime()) {
        return metaError(190, "Error validating access token: Session has expired.", {
          subcode: 463,
        });
      }
      return token(true);
    }
    const code = await authorization.redeem(
      (name) => p[name],
      p.client_id,
      ctx.now(),
    );
    if (code instanceof Response) {
      const body = await code.json();
      return oauthFailure(
        `${body.error_description} (verification code: ${body.error})`,
        /expired/.test(body.error_description) ? 36007 : 36009,
      );
    }
    return token(false);
  };

  const routes: Route[] = [
    {
      method: "GET",
      path: "/:v/dialog/oauth",
      handle: (req, ctx) => authorization.authorize(req.query, ctx.now()),
    },
    { method: "GET", path: "/:v/oauth/access_token", handle: accessToken },
    {
      method: "GET",
      path: "/:v/me/accounts",
      handle: authed(() =>
        json({
          data: [{
            id: DEFAULT_IG_ACCOUNT.page_id,
            name: "Emulated Page",
            instagram_business_account: { id: DEFAULT_IG_ACCOUNT.id },
          }],
          paging: { cursors: {} },
        })
      ),
    },
    { method: "POST", path: "/:v/:user/media", handle: forUser(createContainer) },
    { method: "POST", path: "/:v/:user/media_publish", handle: forUser(publish) },
    {
      method: "GET",
      path: "/:v/:user/content_publishing_limit",
      handle: forUser((_p, { user }, ctx) =>
        json({
          data: [{
            quota_usage: publishedLastDay(user, ctx.now()),
            config: { quota_total: state.postsPer24h, quota_duration: DAY_MS / 1000 },
          }],
        })
      ),
    },
    {
      method: "GET",
      path: "/:v/:user/media",
      handle: forUser((p, { user }) =>
        json({
          data: [...state.media.values()]
            .filter((m) => m.userId === user)
            .sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime())
            .slice(0, Number(p.limit ?? 25))
            .map((m) => pick(mediaFields(m), p.fields)),
          paging: { cursors: {} },
        })
      ),
    },
    { method: "GET", path: "/:v/:id/insights", handle: authed(insights) },
    { method: "GET", path: "/:v/:id", handle: authed(getNode) },
  ];

  return {
    name: "instagram",
    state,
    routes,
    // Deleted in the Instagram app (the Graph API cannot delete media): lookups answer 100/33.
    removeByPerson: (id) => state.media.delete(id),
    persist: {
      keys: ["revoked", "containers", "media", "nextId"],
      restored() {
        for (const m of state.media.values()) publishedAt.add(m.userId, m.timestamp.getTime());
      },
    },
    faults: {
      rateLimited: () =>
        metaError(4, "Application request limit reached", { transient: true }, {
          "x-app-usage": JSON.stringify({ call_count: 100, total_cputime: 40, total_time: 60 }),
        }),
      revokedToken: () =>
        metaError(190, "Error validating access token: The user has not authorized application.", {
          subcode: 458,
        }),
      serverError: (status) =>
        metaError(2, "An unexpected error has occurred. Please retry your request later.", {
          status,
          transient: true,
        }),
    },
  };
}
