/**
 * YouTube Data API v3 emulator: Bearer tokens per channel (401 authError), a daily quota in units
 * that resets at midnight Pacific (403 quotaExceeded; insert 1600, update/delete 50, list 1),
 * resumable uploads (session POST -> Location; PUT bytes -> 308 Range until complete -> 201; a
 * chunk short of the end is kept in whole 256 KiB units; `Content-Range: bytes *\/TOTAL` status
 * queries), snippet validation (title <= 100 chars,
 * description <= 5000 bytes, no < or >), publishAt only with privacyStatus private and flipping to
 * public when due, videos.list/update/delete, channels.list(mine) and playlistItems for uploads,
 * statistics (strings) from the engagement model.
 *
 * OAuth2 (Google's token endpoint, served here too: point `publish_config.token_url` at
 * `<origin>/token`): `POST /token` grant_type=refresh_token with a known client and refresh token
 * issues an access token that lives `tokenLifetimeSeconds` by the emulator's clock; the
 * authorization-code grant redeems codes from GET /o/oauth2/v2/auth (auth.ts authorizationCodes) (400
 * invalid_grant for an unknown or revoked refresh token, 401 invalid_client for a wrong client);
 * `POST /revoke?token=` revokes a refresh token and every access token issued from it;
 * `expireYouTubeTokens(state)` expires the issued access tokens at once. Upload PUTs that carry an
 * Authorization header need a live token of the session's channel, as Google's do.
 */
import { createHash, type Hash } from "node:crypto";
import { authorizationCodes, bearerToken, formParams, oauthError, refreshGrant } from "./auth.ts";
import {
  DueQueue,
  type EmulatorContext,
  type EmulatorDefinition,
  json,
  type Route,
} from "./framework.ts";
import { limitsFor } from "../../supabase/functions/_shared/adapters/settings.ts";
import { nextMidnight } from "../../supabase/functions/_shared/adapters/zoned-time.ts";

export interface YouTubeChannel {
  access_token: string;
  channel_id: string;
  /** What channels.list reports in snippet.title and statistics.subscriberCount. */
  title?: string;
  subscriber_count?: number;
}

/** An OAuth client and the refresh tokens it holds (Google "offline access"). */
export interface YouTubeOAuthGrant {
  client_id: string;
  client_secret: string;
  refresh_token: string;
  channel_id: string;
}

interface IssuedToken {
  channelId: string;
  refreshToken: string;
  expiresAt: number;
}

export interface YouTubeVideo {
  id: string;
  channelId: string;
  snippet: { title: string; description: string; tags: string[]; categoryId: string };
  privacyStatus: string;
  publishAt?: Date;
  uploadedAt: Date;
  bytes: number;
  /** SHA-256 (hex) of the bytes the upload delivered, in order: what a test compares with the file. */
  sha256: string;
  deleted: boolean;
}

interface UploadSession {
  id: string;
  channelId: string;
  resource: { snippet: YouTubeVideo["snippet"]; privacyStatus: string; publishAt?: Date };
  total: number;
  received: number;
  /** Over the bytes kept so far. */
  hash: Hash;
  videoId?: string;
}

export interface YouTubeState {
  channels: YouTubeChannel[];
  videos: Map<string, YouTubeVideo>;
  sessions: Map<string, UploadSession>;
  /** Quota units used and when that count resets. */
  quota: { used: number; resetAt: number };
  grants: YouTubeOAuthGrant[];
  revokedRefreshTokens: Set<string>;
  /** Access tokens issued by POST /token. */
  issued: Map<string, IssuedToken>;
}

export interface YouTubeEmulatorOptions {
  channels?: YouTubeChannel[];
  dailyQuota?: number;
  insertCost?: number;
  /** Uploads from unverified API projects are forced private. */
  forcePrivate?: boolean;
  grants?: YouTubeOAuthGrant[];
  /** Lifetime of issued access tokens (Google: 3599 s). */
  tokenLifetimeSeconds?: number;
}

export const DEFAULT_YOUTUBE_CHANNEL: YouTubeChannel = {
  access_token: "emu-youtube-token",
  channel_id: "UCemulatedChannel000001",
  title: "Emulated Channel",
  subscriber_count: 1500,
};

export const DEFAULT_YOUTUBE_GRANT: YouTubeOAuthGrant = {
  client_id: "emu-client.apps.googleusercontent.com",
  client_secret: "emu-client-secret",
  refresh_token: "1//emu-youtube-refresh-token",
  channel_id: DEFAULT_YOUTUBE_CHANNEL.channel_id,
};

/** Expire every access token the token endpoint has issued (as an hour passing would). */
export function expireYouTubeTokens(state: YouTubeState): void {
  for (const token of state.issued.values()) token.expiresAt = 0;
}

const LIMITS = limitsFor("youtube");
const COST = { update: 50, delete: 50, list: 1 };
/** Resumable uploads keep bytes in units of 256 KiB until the last one. */
const UNIT = 256 * 1024;
const PACIFIC = "America/Los_Angeles";

function ytError(status: number, reason: string, message: string, domain = "youtube.video") {
  return json({
    error: { code: status, message, errors: [{ message, domain, reason }] },
  }, status);
}

const quotaExceeded = () =>
  ytError(
    403,
    "quotaExceeded",
    "The request cannot be completed because you have exceeded your quota.",
    "youtube.quota",
  );

let counter = 0;
function videoId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let n = Date.now() * 1000 + counter++;
  let id = "";
  for (let i = 0; i < 11; i++) {
    id += alphabet[n % 64];
    n = Math.floor(n / 64);
  }
  return id;
}

const utf8 = new TextEncoder();

/** A snippet/status resource checked as YouTube does; the error Response or the parsed resource. */
function checkResource(body: unknown, now: Date): UploadSession["resource"] | Response {
  const b = (body ?? {}) as {
    snippet?: { title?: unknown; description?: unknown; tags?: unknown; categoryId?: unknown };
    status?: { privacyStatus?: unknown; publishAt?: unknown };
  };
  const title = typeof b.snippet?.title === "string" ? b.snippet.title : "";
  const description = typeof b.snippet?.description === "string" ? b.snippet.description : "";
  if (!title.trim()) {
    return ytError(
      400,
      "invalidTitle",
      "The request metadata specifies an invalid or empty video title.",
    );
  }
  if ([...title].length > LIMITS.maxTitleChars || /[<>]/.test(title)) {
    return ytError(400, "invalidTitle", "The request metadata specifies an invalid video title.");
  }
  if (
    utf8.encode(description).length > LIMITS.maxDescriptionBytes ||
    /[<>]/.test(description)
  ) {
    return ytError(
      400,
      "invalidDescription",
      "The request metadata specifies an invalid video description.",
    );
  }
  const tags = Array.isArray(b.snippet?.tags) ? b.snippet.tags.map(String) : [];
  if (tags.join(",").length > LIMITS.maxTagsChars) {
    return ytError(400, "invalidTags", "The request metadata specifies invalid video keywords.");
  }
  const privacyStatus = typeof b.status?.privacyStatus === "string"
    ? b.status.privacyStatus
    : "public";
  let publishAt: Date | undefined;
  if (b.status?.publishAt !== undefined) {
    const t = Date.parse(String(b.status.publishAt));
    if (privacyStatus !== "private" || !Number.isFinite(t) || t <= now.getTime()) {
      return ytError(
        400,
        "invalidPublishAt",
        "The request metadata specifies an invalid scheduled publishing time.",
      );
    }
    publishAt = new Date(t);
  }
  return {
    snippet: {
      title,
      description,
      tags,
      categoryId: typeof b.snippet?.categoryId === "string" ? b.snippet.categoryId : "22",
    },
    privacyStatus,
    publishAt,
  };
}

export function youtubeEmulator(
  options: YouTubeEmulatorOptions = {},
): EmulatorDefinition<YouTubeState> {
  const state: YouTubeState = {
    channels: options.channels ?? [DEFAULT_YOUTUBE_CHANNEL],
    videos: new Map(),
    sessions: new Map(),
    quota: { used: 0, resetAt: 0 },
    grants: options.grants ?? [DEFAULT_YOUTUBE_GRANT],
    revokedRefreshTokens: new Set(),
    issued: new Map(),
  };
  const tokenLifetimeMs = (options.tokenLifetimeSeconds ?? 3599) * 1000;
  const dailyQuota = options.dailyQuota ?? 10_000;
  const insertCost = options.insertCost ?? 1600;

  const spend = (units: number, now: Date): Response | undefined => {
    if (now.getTime() >= state.quota.resetAt) {
      state.quota = { used: 0, resetAt: nextMidnight(PACIFIC, now).getTime() };
    }
    if (state.quota.used + units > dailyQuota) return quotaExceeded();
    state.quota.used += units;
  };

  /** The channel a static or issued, unexpired access token belongs to. */
  const tokenChannel = (token: string | undefined, now: Date): YouTubeChannel | undefined => {
    const issued = token === undefined ? undefined : state.issued.get(token);
    const live = issued && issued.expiresAt > now.getTime() &&
      !state.revokedRefreshTokens.has(issued.refreshToken);
    return state.channels.find((c) =>
      c.access_token === token || (live && c.channel_id === issued.channelId)
    );
  };

  const channel = (headers: Headers, now: Date): YouTubeChannel | Response => {
    const found = tokenChannel(bearerToken(headers), now);
    if (found) return found;
    return json({
      error: {
        code: 401,
        message: "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        errors: [{
          message: "Invalid Credentials",
          domain: "global",
          reason: "authError",
          location: "Authorization",
          locationType: "header",
        }],
        status: "UNAUTHENTICATED",
      },
    }, 401);
  };

  /** Videos with a publishAt, by it. */
  const scheduled = new DueQueue<YouTubeVideo>();

  /** Scheduled videos go public when due. */
  const tick = (now: Date) => {
    for (const v of scheduled.takeDue(now.getTime())) {
      if (v.publishAt && v.publishAt <= now && v.privacyStatus === "private") {
        v.privacyStatus = "public";
      }
    }
  };

  const resource = (v: YouTubeVideo, parts: string[], ctx: EmulatorContext) => {
    const out: Record<string, unknown> = { kind: "youtube#video", id: v.id };
    if (parts.includes("snippet")) {
      out.snippet = {
        ...v.snippet,
        channelId: v.channelId,
        publishedAt: v.uploadedAt.toISOString(),
      };
    }
    if (parts.includes("status")) {
      out.status = {
        uploadStatus: "processed",
        privacyStatus: v.privacyStatus,
        ...(v.publishAt ? { publishAt: v.publishAt.toISOString() } : {}),
      };
    }
    if (parts.includes("statistics")) {
      const live = v.privacyStatus === "public" || v.privacyStatus === "unlisted";
      const published = v.publishAt ?? v.uploadedAt;
      const m = live
        ? ctx.engagement.metrics("youtube", v.id, published, ctx.now())
        : { video_views: 0, likes: 0, favorites: 0, comments: 0 };
      out.statistics = {
        viewCount: String(m.video_views),
        likeCount: String(m.likes),
        favoriteCount: String(m.favorites),
        commentCount: String(m.comments),
      };
    }
    return out;
  };

  const uploadsPlaylist = (channelId: string) => `UU${channelId.slice(2)}`;

  const finish = (s: UploadSession, now: Date): YouTubeVideo => {
    const id = videoId();
    const video: YouTubeVideo = {
      id,
      channelId: s.channelId,
      snippet: s.resource.snippet,
      privacyStatus: options.forcePrivate ? "private" : s.resource.privacyStatus,
      publishAt: s.resource.publishAt,
      uploadedAt: now,
      bytes: s.total,
      sha256: s.hash.digest("hex"),
      deleted: false,
    };
    state.videos.set(id, video);
    if (video.publishAt) scheduled.add(video.publishAt.getTime(), video);
    s.videoId = id;
    return video;
  };

  /** Google's consent page (accounts.google.com/o/oauth2/v2/auth): codes live ten minutes. */
  const authorization = authorizationCodes({
    clientIds: () => [...new Set(state.grants.map((g) => g.client_id))],
    subject: () => state.channels[0].channel_id,
    lifetimeSeconds: 600,
  });

  /**
   * Authorization-code grant: an access token, and a refresh token when the consent asked for
   * offline access (access_type=offline) as Google gives one.
   */
  const exchange: Route["handle"] = async (req, ctx) => {
    const param = formParams(req.body);
    const client = state.grants.find((g) => g.client_id === param("client_id"));
    if (!client || client.client_secret !== param("client_secret")) {
      return oauthError(401, "invalid_client", "The OAuth client was not found.");
    }
    const code = await authorization.redeem(param, client.client_id, ctx.now());
    if (code instanceof Response) return code;
    const refreshToken = `1//emu-${crypto.randomUUID().replace(/-/g, "")}`;
    state.grants.push({
      client_id: client.client_id,
      client_secret: client.client_secret,
      refresh_token: refreshToken,
      channel_id: code.subject,
    });
    const accessToken = `ya29.emu-${crypto.randomUUID().replace(/-/g, "")}`;
    state.issued.set(accessToken, {
      channelId: code.subject,
      refreshToken,
      expiresAt: ctx.now().getTime() + tokenLifetimeMs,
    });
    return json({
      access_token: accessToken,
      expires_in: Math.round(tokenLifetimeMs / 1000),
      refresh_token: refreshToken,
      scope: code.scope,
      token_type: "Bearer",
    });
  };

  const routes: Route[] = [
    {
      method: "GET",
      path: "/o/oauth2/v2/auth",
      handle: (req, ctx) => authorization.authorize(req.query, ctx.now()),
    },
    {
      method: "POST",
      path: "/token",
      handle(req, ctx) {
        if (formParams(req.body)("grant_type") === "authorization_code") {
          return exchange(req, ctx);
        }
        const param = refreshGrant(req.body);
        if (param instanceof Response) return param;
        const client = state.grants.find((g) => g.client_id === param("client_id"));
        if (!client || client.client_secret !== param("client_secret")) {
          return oauthError(401, "invalid_client", "The OAuth client was not found.");
        }
        const refreshToken = param("refresh_token");
        if (!refreshToken) {
          return oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
        }
        const grant = state.grants.find((g) =>
          g.refresh_token === refreshToken && g.client_id === client.client_id
        );
        if (!grant || state.revokedRefreshTokens.has(refreshToken)) {
          return oauthError(400, "invalid_grant", "Token has been expired or revoked.");
        }
        const accessToken = `ya29.emu-${crypto.randomUUID().replace(/-/g, "")}`;
        state.issued.set(accessToken, {
          channelId: grant.channel_id,
          refreshToken,
          expiresAt: ctx.now().getTime() + tokenLifetimeMs,
        });
        return json({
          access_token: accessToken,
          expires_in: Math.round(tokenLifetimeMs / 1000),
          scope: "https://www.googleapis.com/auth/youtube.upload " +
            "https://www.googleapis.com/auth/youtube",
          token_type: "Bearer",
        });
      },
    },
    {
      method: "POST",
      path: "/revoke",
      handle(req) {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const token = req.query.get("token") ??
          (typeof body.token === "string" ? body.token : undefined);
        if (token && state.grants.some((g) => g.refresh_token === token)) {
          state.revokedRefreshTokens.add(token);
          return json({});
        }
        if (token && state.issued.delete(token)) return json({});
        return oauthError(400, "invalid_token", "Token expired or revoked");
      },
    },
    {
      method: "POST",
      path: "/upload/youtube/v3/videos",
      handle(req, ctx) {
        const owner = channel(req.headers, ctx.now());
        if (owner instanceof Response) return owner;
        if (req.query.get("uploadType") !== "resumable") {
          return ytError(
            400,
            "badRequest",
            "This emulator supports uploadType=resumable only.",
            "global",
          );
        }
        const total = Number(req.headers.get("x-upload-content-length"));
        if (!Number.isInteger(total) || total <= 0) {
          return ytError(
            400,
            "badContent",
            "X-Upload-Content-Length is required for resumable uploads.",
            "global",
          );
        }
        const checked = checkResource(req.body, ctx.now());
        if (checked instanceof Response) return checked;
        const over = spend(insertCost, ctx.now());
        if (over) return over;
        const id = crypto.randomUUID().replace(/-/g, "");
        state.sessions.set(id, {
          id,
          channelId: owner.channel_id,
          resource: checked,
          total,
          received: 0,
          hash: createHash("sha256"),
        });
        const location = `${ctx.origin}/upload/youtube/v3/videos?uploadType=resumable&` +
          `part=${encodeURIComponent(req.query.get("part") ?? "snippet,status")}&upload_id=${id}`;
        return new Response(null, { status: 200, headers: { location } });
      },
    },
    {
      method: "PUT",
      path: "/upload/youtube/v3/videos",
      handle(req, ctx) {
        const session = state.sessions.get(req.query.get("upload_id") ?? "");
        if (!session) return ytError(404, "notFound", "Upload session not found.", "global");
        // The upload_id authorizes the session; a token sent along must still be live.
        if (req.headers.has("authorization")) {
          const owner = channel(req.headers, ctx.now());
          if (owner instanceof Response) return owner;
          if (owner.channel_id !== session.channelId) {
            return ytError(403, "forbidden", "The upload session belongs to another channel.");
          }
        }
        const parts = ["snippet", "status"];
        const done = () => {
          const video = state.videos.get(session.videoId!)!;
          return json(resource(video, parts, ctx), 200);
        };
        const incomplete = () =>
          new Response(null, {
            status: 308,
            headers: session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {},
          });
        const range = req.headers.get("content-range");
        if (range && /^bytes \*\/\d+$/.test(range)) return session.videoId ? done() : incomplete();
        if (session.videoId) return done();
        const m = range ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range) : null;
        const start = m ? Number(m[1]) : 0;
        if (start !== session.received || (m && Number(m[3]) !== session.total)) {
          return ytError(
            400,
            "badContent",
            "Content-Range does not continue the upload.",
            "global",
          );
        }
        const end = Math.min(session.total, start + req.bytes.length);
        // Google keeps a chunk short of the end in whole 256 KiB units; the 308 Range says how far.
        const kept = end === session.total ? end : end - (end - start) % UNIT;
        session.hash.update(req.bytes.subarray(0, kept - start));
        session.received = kept;
        if (session.received < session.total) return incomplete();
        return json(resource(finish(session, ctx.now()), parts, ctx), 201);
      },
    },
    {
      method: "GET",
      path: "/youtube/v3/videos",
      handle(req, ctx) {
        const owner = channel(req.headers, ctx.now());
        if (owner instanceof Response) return owner;
        const over = spend(COST.list, ctx.now());
        if (over) return over;
        tick(ctx.now());
        const parts = (req.query.get("part") ?? "").split(",");
        const ids = (req.query.get("id") ?? "").split(",").filter(Boolean);
        const items = ids.map((id) => state.videos.get(id)).filter((v): v is YouTubeVideo =>
          !!v && !v.deleted && (v.privacyStatus !== "private" || v.channelId === owner.channel_id)
        ).map((v) => resource(v, parts, ctx));
        return json({
          kind: "youtube#videoListResponse",
          items,
          pageInfo: { totalResults: items.length, resultsPerPage: items.length },
        });
      },
    },
    {
      method: "PUT",
      path: "/youtube/v3/videos",
      handle(req, ctx) {
        const owner = channel(req.headers, ctx.now());
        if (owner instanceof Response) return owner;
        const body = (req.body ?? {}) as { id?: unknown; snippet?: { categoryId?: unknown } };
        const video = state.videos.get(String(body.id));
        if (!video || video.deleted) {
          return ytError(
            404,
            "videoNotFound",
            "The video that you are trying to update cannot be found.",
          );
        }
        if (video.channelId !== owner.channel_id) {
          return ytError(
            403,
            "forbidden",
            "The video that you are trying to update cannot be modified.",
          );
        }
        if (typeof body.snippet?.categoryId !== "string") {
          return ytError(
            400,
            "invalidCategoryId",
            "The snippet.categoryId property specifies an invalid category ID.",
          );
        }
        const checked = checkResource({ ...body, status: undefined }, ctx.now());
        if (checked instanceof Response) return checked;
        const over = spend(COST.update, ctx.now());
        if (over) return over;
        video.snippet = checked.snippet;
        return json(resource(video, ["snippet"], ctx));
      },
    },
    {
      method: "DELETE",
      path: "/youtube/v3/videos",
      handle(req, ctx) {
        const owner = channel(req.headers, ctx.now());
        if (owner instanceof Response) return owner;
        const video = state.videos.get(req.query.get("id") ?? "");
        if (!video || video.deleted) {
          return ytError(
            404,
            "videoNotFound",
            "The video that you are trying to delete cannot be found.",
          );
        }
        if (video.channelId !== owner.channel_id) {
          return ytError(
            403,
            "forbidden",
            "The video that you are trying to delete cannot be deleted.",
          );
        }
        const over = spend(COST.delete, ctx.now());
        if (over) return over;
        video.deleted = true;
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "GET",
      path: "/youtube/v3/channels",
      handle(req, ctx) {
        const owner = channel(req.headers, ctx.now());
        if (owner instanceof Response) return owner;
        const over = spend(COST.list, ctx.now());
        if (over) return over;
        const parts = (req.query.get("part") ?? "").split(",");
        return json({
          kind: "youtube#channelListResponse",
          items: [{
            kind: "youtube#channel",
            id: owner.channel_id,
            ...(parts.includes("snippet")
              ? { snippet: { title: owner.title ?? owner.channel_id } }
              : {}),
            ...(parts.includes("statistics")
              ? { statistics: { subscriberCount: String(owner.subscriber_count ?? 0) } }
              : {}),
            contentDetails: {
              relatedPlaylists: { likes: "", uploads: uploadsPlaylist(owner.channel_id) },
            },
          }],
        });
      },
    },
    {
      method: "GET",
      path: "/youtube/v3/playlistItems",
      handle(req, ctx) {
        const owner = channel(req.headers, ctx.now());
        if (owner instanceof Response) return owner;
        const over = spend(COST.list, ctx.now());
        if (over) return over;
        const playlist = req.query.get("playlistId");
        const ch = state.channels.find((c) => uploadsPlaylist(c.channel_id) === playlist);
        if (!ch) {
          return ytError(
            404,
            "playlistNotFound",
            "The playlist identified with the request's playlistId parameter cannot be found.",
          );
        }
        const max = Math.min(Number(req.query.get("maxResults") ?? 5) || 5, 50);
        const items = [...state.videos.values()]
          .filter((v) => !v.deleted && v.channelId === ch.channel_id)
          .sort((a, b) => b.uploadedAt.getTime() - a.uploadedAt.getTime())
          .slice(0, max)
          .map((v) => ({
            kind: "youtube#playlistItem",
            contentDetails: { videoId: v.id, videoPublishedAt: v.uploadedAt.toISOString() },
          }));
        return json({ kind: "youtube#playlistItemListResponse", items });
      },
    },
  ];

  return {
    name: "youtube",
    state,
    routes,
    persist: {
      keys: ["grants", "videos", "sessions", "quota", "revokedRefreshTokens", "issued"],
      restored() {
        for (const video of state.videos.values()) {
          if (video.publishAt && video.privacyStatus === "private") {
            scheduled.add(video.publishAt.getTime(), video);
          }
        }
        // The bytes of an upload in progress are not kept: it resumes from its first byte.
        for (const session of state.sessions.values()) {
          if (!session.videoId) Object.assign(session, { received: 0, hash: createHash("sha256") });
        }
      },
    },
    faults: {
      rateLimited: quotaExceeded,
      revokedToken: () =>
        json({
          error: {
            code: 401,
            message: "Request had invalid authentication credentials.",
            errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError" }],
            status: "UNAUTHENTICATED",
          },
        }, 401),
      serverError: (status) => ytError(status, "backendError", "Backend Error", "global"),
    },
  };
}
