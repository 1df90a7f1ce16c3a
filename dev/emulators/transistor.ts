/**
 * Podcast hosting API emulator in Transistor's shape: `x-api-key` auth, JSON:API bodies
 * (`{data:{id,type,attributes}}`, errors `{errors:[{title}]}`), episodes created as drafts by
 * `POST /v1/episodes` and published by `PATCH /v1/episodes/:id/publish`, download analytics from
 * the engagement model, and the rate limit: 10 requests per 10 s, then 429 and a 10 s block.
 */
import type { EmulatorContext, EmulatorDefinition, EmulatorRequest, Route } from "./framework.ts";
import { json, Timestamps } from "./framework.ts";

export interface TransistorEpisode {
  id: string;
  showId: string;
  title: string;
  summary: string;
  description: string;
  audioUrl: string;
  status: "draft" | "scheduled" | "published";
  createdAt: Date;
  publishedAt?: Date;
}

export interface TransistorState {
  apiKeys: Set<string>;
  shows: Set<string>;
  episodes: Map<string, TransistorEpisode>;
  windowMs: number;
  requestsPerWindow: number;
  /** Requests counted in the rate window (one key: the whole API). */
  recent: Timestamps;
  blockedUntil: number;
  nextId: number;
}

export interface TransistorEmulatorOptions {
  apiKeys?: string[];
  shows?: string[];
  requestsPerWindow?: number;
}

function errors(status: number, ...titles: string[]): Response {
  return json({ errors: titles.map((title) => ({ title })) }, status);
}

export function transistorEmulator(
  options: TransistorEmulatorOptions = {},
): EmulatorDefinition<TransistorState> {
  const state: TransistorState = {
    apiKeys: new Set(options.apiKeys ?? ["transistor-key"]),
    shows: new Set(options.shows ?? ["show1"]),
    episodes: new Map(),
    windowMs: 10_000,
    requestsPerWindow: options.requestsPerWindow ?? 10,
    recent: new Timestamps(),
    blockedUntil: 0,
    nextId: 100_001,
  };

  const resource = (e: TransistorEpisode) => ({
    id: e.id,
    type: "episode",
    attributes: {
      title: e.title,
      summary: e.summary,
      description: e.description,
      status: e.status,
      audio_url: e.audioUrl,
      media_url: `https://media.transistor.fm/${e.id}.mp3`,
      share_url: `https://share.transistor.fm/s/${e.id}`,
      created_at: e.createdAt.toISOString(),
      published_at: e.publishedAt?.toISOString() ?? null,
    },
    relationships: { show: { data: { id: e.showId, type: "show" } } },
  });

  type Handler = (req: EmulatorRequest, ctx: EmulatorContext) => Response;

  /** API key, then 10 requests per 10 s; the 11th blocks everything for 10 s. */
  const guarded = (handler: Handler): Route["handle"] => (req, ctx) => {
    if (!state.apiKeys.has(req.headers.get("x-api-key") ?? "")) {
      return errors(401, "Access denied. Invalid API key.");
    }
    const now = ctx.now().getTime();
    if (now < state.blockedUntil) return errors(429, "Rate limit exceeded. Try again later.");
    state.recent.forget("api", now - state.windowMs);
    if (state.recent.countAfter("api", now - state.windowMs) >= state.requestsPerWindow) {
      state.blockedUntil = now + state.windowMs;
      return errors(429, "Rate limit exceeded. Try again later.");
    }
    state.recent.add("api", now);
    return handler(req, ctx);
  };

  const onEpisode = (
    handler: (e: TransistorEpisode, req: EmulatorRequest, ctx: EmulatorContext) => Response,
  ) =>
    guarded((req, ctx) => {
      const e = state.episodes.get(req.params.id);
      return e ? handler(e, req, ctx) : errors(404, "Episode not found");
    });

  const fields = (req: EmulatorRequest) => {
    const body = (req.body ?? {}) as { episode?: Record<string, unknown> };
    return body.episode ?? {};
  };
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);

  const routes: Route[] = [
    {
      method: "POST",
      path: "/v1/episodes",
      handle: guarded((req, ctx) => {
        const f = fields(req);
        const showId = String(f.show_id ?? "");
        if (!state.shows.has(showId)) return errors(404, "Show not found");
        const problems = [
          ...(text(f.title)?.trim() ? [] : ["Title can't be blank"]),
          ...(f.audio_url === undefined || /^https?:\/\//.test(String(f.audio_url))
            ? []
            : ["Audio url is invalid"]),
        ];
        if (problems.length) return errors(422, ...problems);
        const e: TransistorEpisode = {
          id: String(state.nextId++),
          showId,
          title: text(f.title)!,
          summary: text(f.summary) ?? "",
          description: text(f.description) ?? "",
          audioUrl: text(f.audio_url) ?? "",
          status: "draft",
          createdAt: ctx.now(),
        };
        state.episodes.set(e.id, e);
        return json({ data: resource(e) }, 201);
      }),
    },
    {
      method: "GET",
      path: "/v1/episodes",
      handle: guarded((req) => {
        const showId = req.query.get("show_id");
        const query = req.query.get("query")?.toLowerCase();
        const found = [...state.episodes.values()]
          .filter((e) => !showId || e.showId === showId)
          .filter((e) => !query || e.title.toLowerCase().includes(query))
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
        return json({ data: found.map(resource), meta: { totalCount: found.length } });
      }),
    },
    {
      method: "GET",
      path: "/v1/episodes/:id",
      handle: onEpisode((e) => json({ data: resource(e) })),
    },
    {
      method: "PATCH",
      path: "/v1/episodes/:id",
      handle: onEpisode((e, req) => {
        const f = fields(req);
        if (f.title !== undefined && !text(f.title)?.trim()) {
          return errors(422, "Title can't be blank");
        }
        e.title = text(f.title) ?? e.title;
        e.summary = text(f.summary) ?? e.summary;
        e.description = text(f.description) ?? e.description;
        e.audioUrl = text(f.audio_url) ?? e.audioUrl;
        return json({ data: resource(e) });
      }),
    },
    {
      method: "PATCH",
      path: "/v1/episodes/:id/publish",
      handle: onEpisode((e, req, ctx) => {
        const status = fields(req).status;
        if (status !== "published" && status !== "draft" && status !== "scheduled") {
          return errors(422, "Status is not included in the list");
        }
        if (status === "published" && !e.audioUrl) {
          return errors(422, "Episode must have audio before publishing");
        }
        e.status = status;
        e.publishedAt = status === "published" ? e.publishedAt ?? ctx.now() : undefined;
        return json({ data: resource(e) });
      }),
    },
    {
      method: "GET",
      path: "/v1/analytics/episodes/:id",
      handle: onEpisode((e, _req, ctx) => {
        if (!e.publishedAt) {
          return json({
            data: { id: e.id, type: "episode_analytics", attributes: { downloads: [] } },
          });
        }
        const m = ctx.engagement.metrics("podcast", e.id, e.publishedAt, ctx.now());
        const day = ctx.now().toISOString().slice(0, 10).split("-").reverse().join("-");
        return json({
          data: {
            id: e.id,
            type: "episode_analytics",
            attributes: { downloads: [{ date: day, downloads: m.downloads }] },
          },
        });
      }),
    },
  ];

  return {
    name: "transistor",
    state,
    routes,
    persist: { keys: ["episodes", "recent", "blockedUntil", "nextId"] },
    faults: {
      rateLimited: () => errors(429, "Rate limit exceeded. Try again later."),
      revokedToken: () => errors(401, "Access denied. Invalid API key."),
      serverError: (status) => errors(status, "Internal Server Error"),
    },
  };
}
