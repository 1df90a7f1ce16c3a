/**
 * TikTok Content Posting API emulator, as TikTok behaves: Bearer tokens with scopes (video.publish,
 * video.list), `{data, error:{code,message,log_id}}` bodies, creator_info privacy levels, init
 * validation (title <= 2,200 UTF-16 units, allowed privacy level, URL ownership), 6 init requests
 * per minute per token (429 rate_limit_exceeded), a daily post cap (spam_risk_too_many_posts), and
 * status PROCESSING_DOWNLOAD -> PUBLISH_COMPLETE (or FAILED video_pull_failed for a host containing
 * "unreachable"). FILE_UPLOAD: init checks TikTok's chunk rules and returns an upload_url; chunks are
 * PUT there in order with Content-Range (206, the last 201); status says PROCESSING_UPLOAD until the
 * last chunk arrives. Video metrics come from the engagement model. OAuth: POST /v2/oauth/token/
 * (refresh grant, form-encoded client_key/client_secret) issues an access token that expires and a
 * new refresh token; the refresh token sent stops working, as TikTok rotates them. The
 * authorization-code grant redeems codes from GET /v2/auth/authorize/ (client_key, comma-separated
 * scopes, codes live ten minutes: auth.ts authorizationCodes); GET /v2/user/info/ names the creator.
 */
import { createHash, type Hash } from "node:crypto";
import { authorizationCodes, bearerToken, formParams, oauthError, refreshGrant } from "./auth.ts";
import {
  type EmulatorContext,
  type EmulatorDefinition,
  json,
  type Route,
  Timestamps,
} from "./framework.ts";
import { limitsFor } from "../../supabase/functions/_shared/adapters/settings.ts";

export interface TikTokAccount {
  scopes: string[];
  username: string;
  /** What GET /v2/user/info/ reports (follower_count with the user.info.stats scope). */
  display_name?: string;
  follower_count?: number;
}

export interface TikTokPublish {
  id: string;
  /** The creator's username (tokens change; the creator does not). */
  creator: string;
  title: string;
  videoUrl: string;
  privacyLevel: string;
  createdAt: Date;
  /** FILE_UPLOAD: the declared chunks and what has arrived (PULL_FROM_URL: none). */
  upload?: TikTokUpload;
  /** Set once PUBLISH_COMPLETE has been reached. */
  videoId?: string;
}

export interface TikTokUpload {
  id: string;
  size: number;
  chunkSize: number;
  chunks: number;
  received: number;
  /** Over the bytes received, in order; `sha256` (hex) once the last chunk arrived. */
  hash: Hash;
  sha256?: string;
  completedAt?: Date;
}

export interface TikTokVideo {
  id: string;
  creator: string;
  title: string;
  createTime: Date;
  shareUrl: string;
}

/** An app's refresh token for a creator (the account of `username`). Rotated by each refresh. */
export interface TikTokGrant {
  client_key: string;
  client_secret: string;
  refresh_token: string;
  username: string;
}

export interface TikTokState {
  /** Access tokens and whose they are. */
  accounts: Map<string, TikTokAccount>;
  revoked: Set<string>;
  grants: TikTokGrant[];
  /** When the access tokens issued by POST /v2/oauth/token/ expire (ms). */
  expiresAt: Map<string, number>;
  tokenLifetimeSeconds: number;
  privacyLevelOptions: string[];
  publishes: Map<string, TikTokPublish>;
  videos: Map<string, TikTokVideo>;
  /** Init requests per token, for the per-minute limit. */
  initTimes: Timestamps;
  initsPerMinute: number;
  postsPerDay: number;
  /** How long PROCESSING_DOWNLOAD lasts. */
  processingMs: number;
  nextId: number;
}

export interface TikTokEmulatorOptions {
  accounts?: Record<string, TikTokAccount>;
  grants?: TikTokGrant[];
  /** Lifetime of issued access tokens (TikTok: 86,400 s; newer documentation says 2 hours). */
  tokenLifetimeSeconds?: number;
  privacyLevelOptions?: string[];
  initsPerMinute?: number;
  postsPerDay?: number;
  processingMs?: number;
}

const MAX_TITLE = limitsFor("tiktok").maxTitleUtf16;
const MB = 1024 * 1024;

/** TikTok's chunk rules for FILE_UPLOAD; why a declaration breaks them, or undefined. */
export function chunkRuleBroken(
  size: number,
  chunkSize: number,
  chunks: number,
): string | undefined {
  if (![size, chunkSize, chunks].every((n) => Number.isSafeInteger(n) && n > 0)) {
    return "video_size, chunk_size and total_chunk_count must be positive integers";
  }
  if (size < 5 * MB) {
    return chunkSize === size && chunks === 1
      ? undefined
      : "a video under 5 MB is uploaded whole: chunk_size = video_size, total_chunk_count = 1";
  }
  if (chunkSize < 5 * MB || chunkSize > 64 * MB) return "chunk_size must be 5 MB to 64 MB";
  if (chunks !== Math.floor(size / chunkSize)) {
    return "total_chunk_count must be video_size / chunk_size rounded down";
  }
  if (chunks > 1000) return "at most 1000 chunks";
  if (size > 64 * MB && chunks < 2) return "a video over 64 MB is uploaded in several chunks";
  if (size - (chunks - 1) * chunkSize > 128 * MB) return "the last chunk may be at most 128 MB";
  return undefined;
}

export const DEFAULT_TIKTOK_GRANT: TikTokGrant = {
  client_key: "emu-tiktok-client-key",
  client_secret: "emu-tiktok-client-secret",
  refresh_token: "rft.emu-tiktok-refresh",
  username: "creator",
};

/** Expire every access token the token endpoint has issued (as a day passing would). */
export function expireTikTokTokens(state: TikTokState): void {
  for (const token of state.expiresAt.keys()) state.expiresAt.set(token, 0);
}

function tiktokError(status: number, code: string, message: string) {
  return json({ data: {}, error: { code, message, log_id: logId() } }, status);
}

function ok(data: unknown): Response {
  return json({ data, error: { code: "ok", message: "", log_id: logId() } });
}

function logId(): string {
  return crypto.randomUUID().replace(/-/g, "").slice(0, 24).toUpperCase();
}

export function tiktokEmulator(
  options: TikTokEmulatorOptions = {},
): EmulatorDefinition<TikTokState> {
  const state: TikTokState = {
    accounts: new Map(Object.entries(
      options.accounts ?? {
        "tt-token": {
          scopes: ["user.info.basic", "video.publish", "video.list"],
          username: "creator",
          display_name: "Emulated Creator",
          follower_count: 2600,
        },
      },
    )),
    revoked: new Set(),
    grants: (options.grants ?? [DEFAULT_TIKTOK_GRANT]).map((g) => ({ ...g })),
    expiresAt: new Map(),
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 86_400,
    privacyLevelOptions: options.privacyLevelOptions ??
      ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
    publishes: new Map(),
    videos: new Map(),
    initTimes: new Timestamps(),
    initsPerMinute: options.initsPerMinute ?? 6,
    postsPerDay: options.postsPerDay ?? 15,
    processingMs: options.processingMs ?? 0,
    nextId: 7_300_000_000_001,
  };
  /** When each creator's publishes were created, for the daily cap. */
  const createdAt = new Timestamps();

  type Handler = (
    body: Record<string, unknown>,
    who: { token: string; account: TikTokAccount },
    ctx: EmulatorContext,
    query: URLSearchParams,
  ) => Response;

  const scoped = (scope: string, handler: Handler): Route["handle"] => (req, ctx) => {
    const token = bearerToken(req.headers);
    const account = token ? state.accounts.get(token) : undefined;
    const expired = token !== undefined &&
      (state.expiresAt.get(token) ?? Infinity) <= ctx.now().getTime();
    if (!token || !account || state.revoked.has(token) || expired) {
      return tiktokError(
        401,
        "access_token_invalid",
        "The access token is invalid or not found in the request.",
      );
    }
    if (!account.scopes.includes(scope)) {
      return tiktokError(
        401,
        "scope_not_authorized",
        "The user did not authorize the scope required for completing this request.",
      );
    }
    const body = req.body && typeof req.body === "object"
      ? req.body as Record<string, unknown>
      : {};
    return handler(body, { token, account }, ctx, req.query);
  };

  const unreachable = (p: TikTokPublish) =>
    !p.upload && new URL(p.videoUrl).hostname.includes("unreachable");
  /** FILE_UPLOAD publishes by their upload id. */
  const uploads = new Map<string, TikTokPublish>();

  /** Advance a publish to PUBLISH_COMPLETE once processed; the video appears then. */
  const progress = (p: TikTokPublish, now: Date) => {
    if (p.upload && !p.upload.completedAt) return;
    const since = p.upload?.completedAt ?? p.createdAt;
    if (p.videoId || now.getTime() - since.getTime() < state.processingMs) return;
    if (unreachable(p)) return;
    const id = String(state.nextId++);
    state.videos.set(id, {
      id,
      creator: p.creator,
      title: p.title,
      createTime: now,
      shareUrl: `https://www.tiktok.com/@${p.creator}/video/${id}`,
    });
    p.videoId = id;
  };

  const init: Handler = (body, { token, account }, ctx) => {
    const now = ctx.now();
    const minuteAgo = now.getTime() - 60_000;
    if (state.initTimes.countAfter(token, minuteAgo) >= state.initsPerMinute) {
      return tiktokError(429, "rate_limit_exceeded", "API rate limit was exceeded.");
    }
    state.initTimes.forget(token, minuteAgo);
    state.initTimes.add(token, now.getTime());
    if (createdAt.countAfter(account.username, now.getTime() - 86_400_000) >= state.postsPerDay) {
      return tiktokError(
        403,
        "spam_risk_too_many_posts",
        "The daily post cap from the API for this user has been reached.",
      );
    }
    const post = (body.post_info ?? {}) as Record<string, unknown>;
    const source = (body.source_info ?? {}) as Record<string, unknown>;
    const title = typeof post.title === "string" ? post.title : "";
    if (title.length > MAX_TITLE) {
      return tiktokError(400, "invalid_params", `title exceeds ${MAX_TITLE} UTF-16 runes`);
    }
    if (!state.privacyLevelOptions.includes(String(post.privacy_level))) {
      return tiktokError(
        400,
        "privacy_level_option_mismatch",
        "privacy_level is not one of the creator's privacy_level_options.",
      );
    }
    if (source.source === "FILE_UPLOAD") {
      const [size, chunkSize, chunks] = [
        source.video_size,
        source.chunk_size,
        source.total_chunk_count,
      ]
        .map(Number);
      const broken = chunkRuleBroken(size, chunkSize, chunks);
      if (broken) return tiktokError(400, "invalid_params", broken);
      const id = `v_inbox_file~v2-1.${state.nextId++}`;
      const uploadId = crypto.randomUUID().replace(/-/g, "");
      const publish: TikTokPublish = {
        id,
        creator: account.username,
        title,
        videoUrl: "",
        privacyLevel: String(post.privacy_level),
        createdAt: now,
        upload: { id: uploadId, size, chunkSize, chunks, received: 0, hash: createHash("sha256") },
      };
      state.publishes.set(id, publish);
      uploads.set(uploadId, publish);
      createdAt.add(account.username, now.getTime());
      return ok({ publish_id: id, upload_url: `${ctx.origin}/upload/?upload_id=${uploadId}` });
    }
    if (source.source !== "PULL_FROM_URL" || typeof source.video_url !== "string") {
      return tiktokError(
        400,
        "invalid_params",
        "source_info.video_url is required for PULL_FROM_URL",
      );
    }
    let host: string;
    try {
      host = new URL(source.video_url).hostname;
    } catch {
      return tiktokError(400, "invalid_params", "source_info.video_url is not a valid URL");
    }
    if (host.includes("unverified")) {
      return tiktokError(
        403,
        "url_ownership_unverified",
        "Please review our URL ownership verification rules.",
      );
    }
    const id = `v_pub_url~v2-1.${state.nextId++}`;
    state.publishes.set(id, {
      id,
      creator: account.username,
      title,
      videoUrl: source.video_url,
      privacyLevel: String(post.privacy_level),
      createdAt: now,
    });
    createdAt.add(account.username, now.getTime());
    return ok({ publish_id: id });
  };

  const status: Handler = (body, { account }, ctx) => {
    const p = state.publishes.get(String(body.publish_id));
    if (!p || p.creator !== account.username) {
      return tiktokError(400, "invalid_publish_id", "The publish_id does not exist.");
    }
    progress(p, ctx.now());
    // A published video was reachable: only the others need their URL looked at again.
    if (!p.videoId && unreachable(p)) {
      return ok({ status: "FAILED", fail_reason: "video_pull_failed", downloaded_bytes: 0 });
    }
    if (p.upload && !p.upload.completedAt) {
      return ok({ status: "PROCESSING_UPLOAD", uploaded_bytes: p.upload.received });
    }
    if (!p.videoId) return ok({ status: "PROCESSING_DOWNLOAD", downloaded_bytes: 0 });
    return ok({
      status: "PUBLISH_COMPLETE",
      publicaly_available_post_id: [Number(p.videoId)],
      downloaded_bytes: 1_048_576,
    });
  };

  const fieldsOf = (v: TikTokVideo, ctx: EmulatorContext): Record<string, unknown> => {
    const m = ctx.engagement.metrics("tiktok", v.id, v.createTime, ctx.now());
    return {
      id: v.id,
      title: v.title,
      create_time: Math.floor(v.createTime.getTime() / 1000),
      share_url: v.shareUrl,
      view_count: m.video_views,
      like_count: m.likes,
      comment_count: m.comments,
      share_count: m.shares,
    };
  };

  const select = (all: Record<string, unknown>, fields: string | null) =>
    Object.fromEntries((fields ?? "id").split(",").filter((f) => f in all).map((f) => [f, all[f]]));

  const mine = (creator: string, now: Date) => {
    for (const p of state.publishes.values()) if (p.creator === creator) progress(p, now);
    return [...state.videos.values()].filter((v) => v.creator === creator);
  };

  const tokenError = (status: number, error: string, description: string) =>
    oauthError(status, error, description, { log_id: logId() });

  /** Refresh grant: a new access token and a new refresh token; the one sent stops working. */
  const refresh: Route["handle"] = (req, ctx) => {
    const param = refreshGrant(req.body);
    if (param instanceof Response) return param;
    const client = state.grants.find((g) => g.client_key === param("client_key"));
    if (!client || client.client_secret !== param("client_secret")) {
      return tokenError(401, "invalid_client", "Client key or secret is incorrect.");
    }
    const grant = state.grants.find((g) =>
      g.client_key === client.client_key && g.refresh_token === param("refresh_token")
    );
    const account = grant &&
      [...state.accounts.values()].find((a) => a.username === grant.username);
    if (!grant || !account) {
      return tokenError(400, "invalid_grant", "Refresh token is invalid or expired.");
    }
    grant.refresh_token = `rft.emu-${crypto.randomUUID().replace(/-/g, "")}`;
    return issueToken(account, grant, ctx.now());
  };

  /** A new access token of `account`, answered as TikTok's token endpoint does. */
  const issueToken = (account: TikTokAccount, grant: TikTokGrant, now: Date) => {
    const accessToken = `act.emu-${crypto.randomUUID().replace(/-/g, "")}`;
    state.accounts.set(accessToken, account);
    state.expiresAt.set(accessToken, now.getTime() + state.tokenLifetimeSeconds * 1000);
    return json({
      access_token: accessToken,
      expires_in: state.tokenLifetimeSeconds,
      open_id: `open-${account.username}`,
      refresh_expires_in: 31_536_000,
      refresh_token: grant.refresh_token,
      scope: account.scopes.join(","),
      token_type: "Bearer",
    });
  };

  /** A chunk to an upload_url (the URL authorizes it): in order, each of the declared size. */
  const uploadChunk: Route["handle"] = (req, ctx) => {
    const publish = uploads.get(req.query.get("upload_id") ?? "");
    const upload = publish?.upload;
    if (!upload) return tiktokError(404, "invalid_upload_id", "The upload_id does not exist.");
    if (!/^video\/(mp4|quicktime|webm)$/.test(req.headers.get("content-type") ?? "")) {
      return tiktokError(
        400,
        "invalid_params",
        "Content-Type must be video/mp4, video/quicktime or video/webm",
      );
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers.get("content-range") ?? "");
    const index = Math.floor(upload.received / upload.chunkSize);
    const last = index === upload.chunks - 1;
    const expected = last ? upload.size - upload.received : upload.chunkSize;
    if (
      upload.completedAt || !range || Number(range[1]) !== upload.received ||
      Number(range[3]) !== upload.size || Number(range[2]) !== upload.received + expected - 1 ||
      req.bytes.length !== expected
    ) {
      return tiktokError(
        400,
        "invalid_params",
        `expected chunk ${index + 1} of ${upload.chunks}: bytes ${upload.received}-` +
          `${upload.received + expected - 1}/${upload.size}`,
      );
    }
    upload.hash.update(req.bytes);
    upload.received += expected;
    if (!last) return new Response(null, { status: 206 });
    upload.sha256 = upload.hash.digest("hex");
    upload.completedAt = ctx.now();
    return new Response(null, { status: 201 });
  };

  const authorization = authorizationCodes({
    clientIds: () => [...new Set(state.grants.map((g) => g.client_key))],
    subject: () => state.grants[0].username,
    lifetimeSeconds: 600,
    clientIdParam: "client_key",
  });

  /** Authorization-code grant: an access token with the consented scopes and a refresh token. */
  const exchange: Route["handle"] = async (req, ctx) => {
    const param = formParams(req.body);
    const client = state.grants.find((g) => g.client_key === param("client_key"));
    if (!client || client.client_secret !== param("client_secret")) {
      return tokenError(401, "invalid_client", "Client key or secret is incorrect.");
    }
    const code = await authorization.redeem(param, client.client_key, ctx.now());
    if (code instanceof Response) {
      const body = await code.json();
      return tokenError(code.status, body.error, body.error_description);
    }
    const known = [...state.accounts.values()].find((a) => a.username === code.subject);
    const account: TikTokAccount = {
      ...known,
      username: code.subject,
      scopes: code.scope.split(",").filter(Boolean),
    };
    const grant: TikTokGrant = {
      client_key: client.client_key,
      client_secret: client.client_secret,
      refresh_token: `rft.emu-${crypto.randomUUID().replace(/-/g, "")}`,
      username: code.subject,
    };
    state.grants.push(grant);
    return issueToken(account, grant, ctx.now());
  };

  const routes: Route[] = [
    {
      method: "GET",
      path: "/v2/auth/authorize/",
      handle: (req, ctx) => authorization.authorize(req.query, ctx.now()),
    },
    {
      method: "POST",
      path: "/v2/oauth/token/",
      handle: (req, ctx) =>
        formParams(req.body)("grant_type") === "authorization_code"
          ? exchange(req, ctx)
          : refresh(req, ctx),
    },
    {
      method: "GET",
      path: "/v2/user/info/",
      handle: scoped("user.info.basic", (_body, { account }, _ctx, query) => {
        const all: Record<string, unknown> = {
          open_id: `open-${account.username}`,
          display_name: account.display_name ?? account.username,
          ...(account.scopes.includes("user.info.stats")
            ? { follower_count: account.follower_count ?? 0 }
            : {}),
        };
        return ok({ user: select(all, query.get("fields")) });
      }),
    },
    { method: "PUT", path: "/upload/", handle: uploadChunk },
    {
      method: "POST",
      path: "/v2/post/publish/creator_info/query/",
      handle: scoped("video.publish", (_b, { account }) =>
        ok({
          creator_avatar_url: "https://p16.tiktokcdn.com/avatar.jpeg",
          creator_username: account.username,
          creator_nickname: account.username,
          privacy_level_options: state.privacyLevelOptions,
          comment_disabled: false,
          duet_disabled: false,
          stitch_disabled: false,
          max_video_post_duration_sec: 600,
        })),
    },
    { method: "POST", path: "/v2/post/publish/video/init/", handle: scoped("video.publish", init) },
    {
      method: "POST",
      path: "/v2/post/publish/status/fetch/",
      handle: scoped("video.publish", status),
    },
    {
      method: "POST",
      path: "/v2/video/query/",
      handle: scoped("video.list", (body, { account }, ctx, query) => {
        const filters = (body.filters ?? {}) as { video_ids?: unknown };
        const ids = Array.isArray(filters.video_ids) ? filters.video_ids.map(String) : [];
        if (ids.length === 0 || ids.length > 20) {
          return tiktokError(400, "invalid_params", "filters.video_ids must list 1 to 20 ids");
        }
        const videos = mine(account.username, ctx.now()).filter((v) => ids.includes(v.id));
        return ok({ videos: videos.map((v) => select(fieldsOf(v, ctx), query.get("fields"))) });
      }),
    },
    {
      method: "POST",
      path: "/v2/video/list/",
      handle: scoped("video.list", (body, { account }, ctx, query) => {
        const max = Math.min(Number(body.max_count ?? 20), 20);
        const videos = mine(account.username, ctx.now())
          .sort((a, b) => b.createTime.getTime() - a.createTime.getTime())
          .slice(0, max);
        return ok({
          videos: videos.map((v) => select(fieldsOf(v, ctx), query.get("fields"))),
          cursor: 0,
          has_more: false,
        });
      }),
    },
  ];

  return {
    name: "tiktok",
    state,
    // Deleted in the TikTok app (the API cannot delete videos): video/query no longer lists it.
    removeByPerson: (id) => state.videos.delete(id),
    routes,
    persist: {
      keys: [
        "accounts",
        "revoked",
        "grants",
        "expiresAt",
        "publishes",
        "videos",
        "initTimes",
        "nextId",
      ],
      restored() {
        for (const p of state.publishes.values()) {
          createdAt.add(p.creator, p.createdAt.getTime());
          if (!p.upload) continue;
          uploads.set(p.upload.id, p);
          // The chunks of an upload in progress are not kept: it starts again from chunk one.
          if (!p.upload.sha256) {
            Object.assign(p.upload, { received: 0, hash: createHash("sha256") });
          }
        }
      },
    },
    faults: {
      rateLimited: () => tiktokError(429, "rate_limit_exceeded", "API rate limit was exceeded."),
      revokedToken: () =>
        tiktokError(
          401,
          "access_token_invalid",
          "The access token is invalid or not found in the request.",
        ),
      serverError: (status) =>
        tiktokError(status, "internal_error", "Something went wrong. Please try again later."),
    },
  };
}
