/**
 * LinkedIn Posts API emulator (/rest): Bearer tokens per member (EMPTY/INVALID/REVOKED token
 * bodies), the LinkedIn-Version header (400 VERSION_MISSING, 426 NONEXISTENT_VERSION outside the
 * last 12 months) and X-Restli-Protocol-Version 2.0.0, author permission (403 serviceErrorCode
 * 100), commentary length and silent truncation at the first unescaped reserved character,
 * 422 DUPLICATE_POST, a daily per-member post cap answered with a header-less 429, 201 +
 * x-restli-id, GET of one post (404 NOT_FOUND once deleted), PARTIAL_UPDATE, idempotent 204 DELETE,
 * posts by author, socialActions and
 * organizationalEntityShareStatistics from the engagement model. OAuth: POST /oauth/v2/accessToken
 * (refresh grant, an approved app's refresh token) issues a 60-day access token; the refresh token
 * stays the same (its lifetime keeps counting from the first authorization); the authorization-code
 * grant redeems codes from GET /oauth/v2/authorization (codes live 30 minutes, no PKCE for web apps:
 * auth.ts authorizationCodes), and GET /v2/userinfo (OpenID Connect) names the member.
 */
import { authorizationCodes, bearerToken, formParams, oauthError, refreshGrant } from "./auth.ts";
import {
  type EmulatorContext,
  type EmulatorDefinition,
  Index,
  json,
  type Route,
} from "./framework.ts";
import { limitsFor } from "../../supabase/functions/_shared/adapters/settings.ts";

export interface LinkedInMember {
  access_token: string;
  person_urn: string;
  /** Organizations this member administers. */
  organizations: string[];
  /** What GET /v2/userinfo reports as the member's name. */
  name?: string;
}

export interface LinkedInPost {
  id: string;
  author: string;
  commentary: string;
  visibility: string;
  createdAt: Date;
  lastModifiedAt: Date;
  deleted: boolean;
}

/** An approved app's refresh token for a member. */
export interface LinkedInGrant {
  client_id: string;
  client_secret: string;
  refresh_token: string;
  person_urn: string;
}

export interface LinkedInState {
  members: LinkedInMember[];
  grants: LinkedInGrant[];
  /** Access tokens issued by the token endpoint: whose, until when (ms). */
  issued: Map<string, { member: LinkedInMember; expiresAt: number }>;
  posts: Map<string, LinkedInPost>;
  /** "member|Y-M-D" (UTC, unpadded) -> posts created that day. */
  daily: Map<string, number>;
  nextId: bigint;
}

export interface LinkedInEmulatorOptions {
  members?: LinkedInMember[];
  grants?: LinkedInGrant[];
  /** Unpublished by LinkedIn; configurable. */
  postsPerMemberPerDay?: number;
}

export const DEFAULT_LINKEDIN_MEMBER: LinkedInMember = {
  access_token: "emu-linkedin-token",
  person_urn: "urn:li:person:emuPerson1",
  organizations: ["urn:li:organization:10001"],
  name: "Emulated Member",
};

export const DEFAULT_LINKEDIN_GRANT: LinkedInGrant = {
  client_id: "emu-linkedin-client",
  client_secret: "emu-linkedin-secret",
  refresh_token: "emu-linkedin-refresh-token",
  person_urn: DEFAULT_LINKEDIN_MEMBER.person_urn,
};

/** LinkedIn's access tokens live 60 days. */
const TOKEN_LIFETIME_S = 60 * 86_400;

/** Expire every access token the token endpoint has issued (as 60 days passing would). */
export function expireLinkedInTokens(state: LinkedInState): void {
  for (const token of state.issued.values()) token.expiresAt = 0;
}

const MAX_COMMENTARY = limitsFor("linkedin").maxCommentaryChars;
const RESERVED = "|{}@[]()<>#*_~\\";

function liError(status: number, code: string, message: string, serviceErrorCode?: number) {
  return json({ status, code, message, ...(serviceErrorCode ? { serviceErrorCode } : {}) }, status);
}

function inputError(code: string, description: string, fieldPath: string): Response {
  return json({
    errorDetailType: "com.linkedin.common.error.BadRequest",
    message: `ERROR :: ${fieldPath} :: ${description}`,
    errorDetails: { inputErrors: [{ description, input: { inputPath: { fieldPath } }, code }] },
    status: 422,
  }, 422);
}

/** LinkedIn keeps the text up to the first unescaped reserved character. */
function truncateAtReserved(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") {
      i++;
      continue;
    }
    if (RESERVED.includes(text[i])) return text.slice(0, i);
  }
  return text;
}

function monthsBetween(version: string, now: Date): number {
  const y = Number(version.slice(0, 4));
  const m = Number(version.slice(4, 6));
  return (now.getUTCFullYear() - y) * 12 + (now.getUTCMonth() + 1 - m);
}

export function linkedinEmulator(
  options: LinkedInEmulatorOptions = {},
): EmulatorDefinition<LinkedInState> {
  const state: LinkedInState = {
    members: options.members ?? [DEFAULT_LINKEDIN_MEMBER],
    grants: options.grants ?? [DEFAULT_LINKEDIN_GRANT],
    issued: new Map(),
    posts: new Map(),
    daily: new Map(),
    nextId: 7_300_000_000_000_000_000n,
  };
  const perDay = options.postsPerMemberPerDay ?? 150;
  /** Posts by commentary, for the duplicate check. */
  const byCommentary = new Index<LinkedInPost>();

  /** Bearer token and the versioning headers; the member or an error Response. */
  const gate = (req: Parameters<Route["handle"]>[0], ctx: EmulatorContext) => {
    const token = bearerToken(req.headers);
    if (!token) return liError(401, "EMPTY_ACCESS_TOKEN", "Empty oauth2 access token", 65604);
    const issued = state.issued.get(token);
    if (issued && issued.expiresAt <= ctx.now().getTime()) {
      return liError(
        401,
        "EXPIRED_ACCESS_TOKEN",
        "The token used in the request has expired",
        65601,
      );
    }
    const member = issued?.member ?? state.members.find((m) => m.access_token === token);
    if (!member) return liError(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600);
    const version = req.headers.get("linkedin-version");
    if (!version) {
      return liError(
        400,
        "VERSION_MISSING",
        "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
      );
    }
    const age = /^\d{6}$/.test(version) ? monthsBetween(version, ctx.now()) : -1;
    if (age < 0 || age > 12) {
      return liError(426, "NONEXISTENT_VERSION", `Requested version ${version} is not active`);
    }
    if (req.headers.get("x-restli-protocol-version") !== "2.0.0") {
      return liError(
        400,
        "PROTOCOL_VERSION_MISMATCH",
        "X-Restli-Protocol-Version 2.0.0 is required",
      );
    }
    return member;
  };

  const canActAs = (member: LinkedInMember, author: string) =>
    author === member.person_urn || member.organizations.includes(author);

  const denied = (what: string) =>
    liError(403, "ACCESS_DENIED", `Not enough permissions to access: ${what}`, 100);

  const serialize = (p: LinkedInPost) => ({
    id: p.id,
    author: p.author,
    commentary: p.commentary,
    visibility: p.visibility,
    lifecycleState: "PUBLISHED",
    createdAt: p.createdAt.getTime(),
    lastModifiedAt: p.lastModifiedAt.getTime(),
    publishedAt: p.createdAt.getTime(),
    distribution: {
      feedDistribution: "MAIN_FEED",
      targetEntities: [],
      thirdPartyDistributionChannels: [],
    },
    isReshareDisabledByAuthor: false,
  });

  const create = (member: LinkedInMember, body: Record<string, unknown>, now: Date): Response => {
    for (const field of ["author", "commentary", "visibility", "distribution", "lifecycleState"]) {
      if (body[field] === undefined) {
        return inputError("FIELD_VALUE_REQUIRED", `Field /${field} is required`, `/${field}`);
      }
    }
    const author = String(body.author);
    if (!canActAs(member, author)) return denied("partnerApiPostsExternal.CREATE");
    const commentary = String(body.commentary);
    if (commentary.length > MAX_COMMENTARY) {
      return inputError(
        "FIELD_LENGTH_TOO_LONG",
        `Length must be <= ${MAX_COMMENTARY}`,
        "/commentary",
      );
    }
    const stored = truncateAtReserved(commentary);
    const duplicate = byCommentary.get(stored).some((p) =>
      !p.deleted && p.author === author && p.commentary === stored && state.posts.get(p.id) === p
    );
    if (duplicate) {
      return inputError("DUPLICATE_POST", "Duplicate post is detected", "/commentary");
    }
    const day = `${now.getUTCFullYear()}-${now.getUTCMonth() + 1}-${now.getUTCDate()}`;
    const dayKey = `${member.person_urn}|${day}`;
    const used = state.daily.get(dayKey) ?? 0;
    if (used >= perDay) {
      // LinkedIn's 429 carries no Retry-After or rate-limit headers.
      return liError(
        429,
        "TOO_MANY_REQUESTS",
        "Resource level throttle MEMBER DAY limit for calls to this resource is reached.",
        101,
      );
    }
    state.daily.set(dayKey, used + 1);
    const id = `urn:li:share:${state.nextId++}`;
    const post: LinkedInPost = {
      id,
      author,
      commentary: stored,
      visibility: String(body.visibility),
      createdAt: now,
      lastModifiedAt: now,
      deleted: false,
    };
    state.posts.set(id, post);
    byCommentary.add(stored, post);
    return new Response(null, { status: 201, headers: { "x-restli-id": id, "x-linkedin-id": id } });
  };

  const statistics = (p: LinkedInPost, ctx: EmulatorContext) =>
    ctx.engagement.metrics("linkedin", p.id, p.createdAt, ctx.now());

  /** Refresh grant (RFC 6749 section 6, client credentials in the form). */
  const refresh: Route["handle"] = (req, ctx) => {
    const param = refreshGrant(req.body);
    if (param instanceof Response) return param;
    const client = state.grants.find((g) => g.client_id === param("client_id"));
    if (!client || client.client_secret !== param("client_secret")) {
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    const grant = state.grants.find((g) =>
      g.client_id === client.client_id && g.refresh_token === param("refresh_token")
    );
    const member = grant && state.members.find((m) => m.person_urn === grant.person_urn);
    if (!grant || !member) {
      return oauthError(
        400,
        "invalid_grant",
        "The provided authorization grant or refresh token is invalid, expired or revoked",
      );
    }
    return issueToken(
      member,
      grant,
      ctx.now(),
      300 * 86_400,
      "w_member_social,r_organization_social",
    );
  };

  /** A new 60-day access token of `member`, answered as LinkedIn's token endpoint does. */
  const issueToken = (
    member: (typeof state.members)[number],
    grant: LinkedInGrant,
    now: Date,
    refreshLifetimeSeconds: number,
    scope: string,
  ) => {
    const accessToken = `emu-linkedin-${crypto.randomUUID().replace(/-/g, "")}`;
    state.issued.set(accessToken, { member, expiresAt: now.getTime() + TOKEN_LIFETIME_S * 1000 });
    return json({
      access_token: accessToken,
      expires_in: TOKEN_LIFETIME_S,
      refresh_token: grant.refresh_token,
      refresh_token_expires_in: refreshLifetimeSeconds,
      scope,
    });
  };

  const authorization = authorizationCodes({
    clientIds: () => [...new Set(state.grants.map((g) => g.client_id))],
    subject: () => state.members[0].person_urn,
    lifetimeSeconds: 1800,
  });

  /** Authorization-code grant (client credentials in the form): a 60-day token and a refresh token. */
  const exchange: Route["handle"] = async (req, ctx) => {
    const param = formParams(req.body);
    const client = state.grants.find((g) => g.client_id === param("client_id"));
    if (!client || client.client_secret !== param("client_secret")) {
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    const code = await authorization.redeem(param, client.client_id, ctx.now());
    if (code instanceof Response) return code;
    const member = state.members.find((m) => m.person_urn === code.subject)!;
    const grant: LinkedInGrant = {
      client_id: client.client_id,
      client_secret: client.client_secret,
      refresh_token: `emu-linkedin-refresh-${crypto.randomUUID().replace(/-/g, "")}`,
      person_urn: member.person_urn,
    };
    state.grants.push(grant);
    return issueToken(member, grant, ctx.now(), 365 * 86_400, code.scope.split(" ").join(","));
  };

  const routes: Route[] = [
    {
      method: "GET",
      path: "/oauth/v2/authorization",
      handle: (req, ctx) => authorization.authorize(req.query, ctx.now()),
    },
    {
      method: "POST",
      path: "/oauth/v2/accessToken",
      handle: (req, ctx) =>
        formParams(req.body)("grant_type") === "authorization_code"
          ? exchange(req, ctx)
          : refresh(req, ctx),
    },
    {
      method: "GET",
      path: "/v2/userinfo",
      handle(req, ctx) {
        const token = bearerToken(req.headers);
        const issued = token === undefined ? undefined : state.issued.get(token);
        const live = issued && issued.expiresAt > ctx.now().getTime() ? issued.member : undefined;
        const member = live ?? state.members.find((m) => m.access_token === token);
        if (!member) return liError(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600);
        return json({
          sub: member.person_urn.replace(/^urn:li:person:/, ""),
          name: member.name ?? member.person_urn,
          email_verified: true,
        });
      },
    },
    {
      method: "POST",
      path: "/rest/posts",
      handle(req, ctx) {
        const member = gate(req, ctx);
        if (member instanceof Response) return member;
        if (!req.body || typeof req.body !== "object") {
          return liError(400, "BAD_REQUEST", "Unable to parse request body");
        }
        return create(member, req.body as Record<string, unknown>, ctx.now());
      },
    },
    {
      method: "POST",
      path: "/rest/posts/:urn",
      handle(req, ctx) {
        const member = gate(req, ctx);
        if (member instanceof Response) return member;
        if (req.headers.get("x-restli-method")?.toUpperCase() !== "PARTIAL_UPDATE") {
          return liError(400, "BAD_REQUEST", "X-RestLi-Method PARTIAL_UPDATE is required");
        }
        const post = state.posts.get(req.params.urn);
        if (!post || post.deleted) {
          return liError(404, "NOT_FOUND", `Post ${req.params.urn} not found`);
        }
        if (!canActAs(member, post.author)) return denied("partnerApiPostsExternal.PARTIAL_UPDATE");
        const set = (req.body as { patch?: { $set?: { commentary?: unknown } } } | undefined)
          ?.patch?.$set;
        if (!set) return liError(400, "BAD_REQUEST", "patch.$set is required");
        if (typeof set.commentary === "string") {
          if (set.commentary.length > MAX_COMMENTARY) {
            return inputError(
              "FIELD_LENGTH_TOO_LONG",
              `Length must be <= ${MAX_COMMENTARY}`,
              "/commentary",
            );
          }
          byCommentary.remove(post.commentary, post);
          post.commentary = truncateAtReserved(set.commentary);
          byCommentary.add(post.commentary, post);
        }
        post.lastModifiedAt = ctx.now();
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "GET",
      path: "/rest/posts/:urn",
      handle(req, ctx) {
        const member = gate(req, ctx);
        if (member instanceof Response) return member;
        const post = state.posts.get(req.params.urn);
        if (!post || post.deleted) {
          return liError(404, "NOT_FOUND", `Post ${req.params.urn} not found`);
        }
        if (!canActAs(member, post.author)) return denied("partnerApiPostsExternal.GET");
        return json(serialize(post));
      },
    },
    {
      method: "DELETE",
      path: "/rest/posts/:urn",
      handle(req, ctx) {
        const member = gate(req, ctx);
        if (member instanceof Response) return member;
        const post = state.posts.get(req.params.urn);
        if (post && !canActAs(member, post.author)) return denied("partnerApiPostsExternal.DELETE");
        if (post && !post.deleted) {
          post.deleted = true;
          byCommentary.remove(post.commentary, post);
        }
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "GET",
      path: "/rest/posts",
      handle(req, ctx) {
        const member = gate(req, ctx);
        if (member instanceof Response) return member;
        const author = req.query.get("author") ?? "";
        if (req.query.get("q") !== "author" || !author) {
          return liError(400, "BAD_REQUEST", "q=author and author are required");
        }
        if (!canActAs(member, author)) return denied("partnerApiPostsExternal.FINDER-author");
        const count = Math.min(Number(req.query.get("count") ?? 10) || 10, 100);
        const start = Math.max(0, Number(req.query.get("start") ?? 0) || 0);
        const posts = [...state.posts.values()]
          .filter((p) => !p.deleted && p.author === author)
          .sort((a, b) => b.lastModifiedAt.getTime() - a.lastModifiedAt.getTime());
        return json({
          elements: posts.slice(start, start + count).map(serialize),
          paging: { start, count, total: posts.length, links: [] },
        });
      },
    },
    {
      method: "GET",
      path: "/rest/socialActions/:urn",
      handle(req, ctx) {
        const member = gate(req, ctx);
        if (member instanceof Response) return member;
        const post = state.posts.get(req.params.urn);
        if (!post || post.deleted) return liError(404, "NOT_FOUND", `${req.params.urn} not found`);
        const m = statistics(post, ctx);
        return json({
          target: post.id,
          likesSummary: {
            totalLikes: m.likes,
            aggregatedTotalLikes: m.likes,
            likedByCurrentUser: false,
          },
          commentsSummary: {
            totalFirstLevelComments: m.comments,
            aggregatedTotalComments: m.comments,
          },
        });
      },
    },
    {
      method: "GET",
      path: "/rest/organizationalEntityShareStatistics",
      handle(req, ctx) {
        const member = gate(req, ctx);
        if (member instanceof Response) return member;
        const org = req.query.get("organizationalEntity") ?? "";
        if (req.query.get("q") !== "organizationalEntity" || !org) {
          return liError(400, "BAD_REQUEST", "q=organizationalEntity is required");
        }
        if (!member.organizations.includes(org)) {
          return denied("organizationalEntityShareStatistics");
        }
        // Rest.li 2.0: URNs inside List(...) must be percent-encoded.
        if (/List\([^)]*urn:li:/.test(req.url.search)) {
          return liError(
            400,
            "ILLEGAL_ARGUMENT",
            "Invalid Rest.li 2.0 query: encode URNs inside List()",
          );
        }
        const list = req.query.get("shares") ?? req.query.get("ugcPosts") ?? "";
        const urns = /^List\((.*)\)$/.exec(list)?.[1]?.split(",").map(decodeURIComponent) ?? [];
        const elements = urns.flatMap((urn) => {
          const post = state.posts.get(urn);
          if (!post || post.author !== org) return [];
          const m = statistics(post, ctx);
          const engaged = m.clicks + m.likes + m.comments + m.shares;
          return [{
            organizationalEntity: org,
            share: urn,
            totalShareStatistics: {
              impressionCount: m.impressions,
              uniqueImpressionsCount: m.reach,
              clickCount: m.clicks,
              likeCount: m.likes,
              commentCount: m.comments,
              shareCount: m.shares,
              engagement: m.impressions ? engaged / m.impressions : 0,
            },
          }];
        });
        return json({ elements, paging: { start: 0, count: elements.length, links: [] } });
      },
    },
  ];

  return {
    name: "linkedin",
    state,
    routes,
    persist: {
      keys: ["members", "grants", "issued", "posts", "daily", "nextId"],
      restored() {
        for (const post of state.posts.values()) {
          if (!post.deleted) byCommentary.add(post.commentary, post);
        }
      },
    },
    faults: {
      rateLimited: () =>
        liError(
          429,
          "TOO_MANY_REQUESTS",
          "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
          101,
        ),
      revokedToken: () =>
        liError(
          401,
          "REVOKED_ACCESS_TOKEN",
          "The token used in the request has been revoked by the user",
          65601,
        ),
      serverError: (status) => json({ message: "Internal Server Error", status }, status),
    },
  };
}
