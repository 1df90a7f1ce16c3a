/**
 * The emulator framework: one Deno.serve HTTP server per platform that records every request and
 * lets a test inject faults, both in-process and over HTTP under `/__emulator/`:
 *
 *   GET    /__emulator/requests[?method=&path=]   recorded requests (oldest first)
 *   DELETE /__emulator/requests                   forget them
 *   POST   /__emulator/faults   {"mode":"5xx"|"timeout"|"latency"|"rate_limit"|"revoke_token"|
 *                                "html_200","count":N,"latencyMs":..,"resetInSeconds":..,
 *                                "status":503,"method":"POST","path":"/2/tweets",
 *                                "afterProcessing":true,"jitterMs":..,"probability":0.01}
 *                                (one spec or an array; a spec with `probability` matches that share of
 *                                the requests it fits, a request it passes over goes on to the next spec)
 *   GET    /__emulator/faults  ·  DELETE /__emulator/faults
 *   POST   /__emulator/clock    {"now":"2026-01-05T09:00:00Z"} | {"offsetSeconds":3600}
 *   DELETE /__emulator/clock    back to the real clock
 *   DELETE /__emulator/posts/<id>   a person deletes the post in the platform's own app (platforms
 *                                whose API cannot delete it: Instagram, TikTok) -> 204, or 404
 *   GET    /__emulator/media/<name>.(mp4|mov|jpg|png|gif|mp3)?bytes=N   a public media URL
 *                                (byte ranges, If-Match, movies of `&seconds=S`: see _shared/media/fetch.ts)
 *
 * A platform module supplies routes, its own error bodies for faults, and optional state.
 */
import { z } from "zod";
import { EngagementModel, loadEngagementModel } from "./engagement.ts";
import { mediaFile } from "./media.ts";
import {
  loadSnapshot,
  type Persistence,
  snapshot,
  UnreadableSnapshot,
  writeAtomically,
} from "./persist.ts";

export const FAULT_MODES = [
  "5xx",
  "timeout",
  "latency",
  "rate_limit",
  "revoke_token",
  "html_200",
] as const;

export const FaultSpecSchema = z.object({
  mode: z.enum(FAULT_MODES),
  /** How many matching requests it affects; absent = until cleared. */
  count: z.number().int().positive().optional(),
  latencyMs: z.number().int().nonnegative().default(0),
  /** For latency: each request waits latencyMs +- up to jitterMs (uniform), never below 0. */
  jitterMs: z.number().int().nonnegative().default(0),
  /** The share of fitting requests the fault takes (1: all); one passed over tries the next fault. */
  probability: z.number().min(0).max(1).default(1),
  resetInSeconds: z.number().int().nonnegative().default(900),
  /** For 5xx. */
  status: z.number().int().min(500).max(599).default(503),
  /** Only requests with this method / whose path starts with this. */
  method: z.string().optional(),
  path: z.string().optional(),
  /** For timeout: do the work (create the post) and then never answer. */
  afterProcessing: z.boolean().default(false),
  /** For timeout: how long the request is held before the connection is answered 504. */
  holdMs: z.number().int().positive().default(30_000),
});
export type FaultSpec = z.input<typeof FaultSpecSchema>;
type Fault = z.infer<typeof FaultSpecSchema> & { remaining: number };

export interface RecordedRequest {
  id: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON or form body, text, or `{ bytes: n }` for binary. */
  body: unknown;
  time: string;
  /** The status it was answered with (absent while it is still being answered). */
  status?: number;
}

export interface EmulatorRequest {
  method: string;
  url: URL;
  /** Route path (after the platform's rewrite). */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  /** Parsed JSON/form body; undefined when absent or unparsable. */
  body: unknown;
  bytes: Uint8Array<ArrayBuffer>;
}

export interface EmulatorContext {
  now(): Date;
  /** The emulator's own origin, e.g. http://127.0.0.1:54330 */
  origin: string;
  engagement: EngagementModel;
}

export interface Route {
  method: string;
  /** Literal segments and `:name` segments (one path segment each), e.g. "/2/tweets/:id". */
  path: string;
  handle(req: EmulatorRequest, ctx: EmulatorContext): Response | Promise<Response>;
}

/** How a platform says "rate limited" / "token revoked" / "server error". */
export interface FaultResponses {
  rateLimited(resetAt: Date, ctx: EmulatorContext): Response;
  revokedToken(ctx: EmulatorContext): Response;
  serverError(status: number): Response;
}

export interface EmulatorDefinition<S = unknown> {
  name: string;
  routes: Route[];
  faults: FaultResponses;
  state: S;
  /** Map a URL to the route path (WordPress `?rest_route=`). */
  routePath?(url: URL): string;
  /** What of `state` survives a restart when the emulator is given a state file. */
  persist?: Persistence<S>;
  /**
   * A person deletes post `id` in the platform's own app (DELETE /__emulator/posts/<id>), where the
   * API offers no delete; false when there is no such post.
   */
  removeByPerson?(id: string): boolean;
}

export interface EmulatorOptions {
  port?: number;
  hostname?: string;
  clock?: () => Date;
  engagement?: EngagementModel;
  /** One line per platform request; absent = none (nothing is formatted or timed). */
  log?: (line: string) => void;
  /**
   * The file the state is loaded from at start and saved to (dev/emulators/persist.ts) a moment
   * after requests change it and when the emulator closes; absent = the state lives in memory only.
   */
  stateFile?: string;
}

export interface RunningEmulator<S = unknown> {
  name: string;
  origin: string;
  port: number;
  state: S;
  requests(filter?: { method?: string; path?: string }): RecordedRequest[];
  clearRequests(): void;
  addFault(spec: FaultSpec): void;
  clearFaults(): void;
  setClock(clock: (() => Date) | undefined): void;
  close(): Promise<void>;
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/**
 * A JSON response. Headers are a plain record: a Headers object given to `new Response` is copied
 * through its iterator, several times the cost of the whole response.
 */
export function json(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headers ? { ...headers, ...JSON_TYPE } : JSON_TYPE,
  });
}

const HTML_PAGE = "<!DOCTYPE html><html><head><title>Service Maintenance</title></head>" +
  "<body><h1>We'll be right back</h1></body></html>";

const decoder = new TextDecoder();

/** A request as the handler saw it, before it is turned into a RecordedRequest. */
interface Received {
  id: number;
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: unknown;
  at: Date;
  status?: number;
}

/** What the test API returns for a received request. */
function recordOf(r: Received): RecordedRequest {
  return {
    id: r.id,
    method: r.method,
    path: r.path,
    query: r.search ? record(new URLSearchParams(r.search)) : {},
    headers: record(r.headers),
    body: r.body,
    time: r.at.toISOString(),
    ...(r.status === undefined ? {} : { status: r.status }),
  };
}

/** Object.fromEntries of headers or query parameters, without its (slow) iterator. */
function record(pairs: Headers | URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  pairs.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function parseBody(headers: Headers, bytes: Uint8Array): { parsed: unknown; recorded: unknown } {
  if (bytes.length === 0) return { parsed: undefined, recorded: undefined };
  const type = headers.get("content-type") ?? "";
  const text = () => decoder.decode(bytes);
  if (type.includes("json")) {
    try {
      const parsed = JSON.parse(text());
      return { parsed, recorded: parsed };
    } catch {
      return { parsed: undefined, recorded: text() };
    }
  }
  if (type.includes("x-www-form-urlencoded")) {
    const parsed = Object.fromEntries(new URLSearchParams(text()));
    return { parsed, recorded: parsed };
  }
  if (type.startsWith("text/")) return { parsed: text(), recorded: text() };
  return { parsed: undefined, recorded: { bytes: bytes.length } };
}

/** A route path's segments: literal text, or `{ param }` for one non-empty segment. */
type Segment = string | { param: string };
type CompiledRoute = Route & { segments: Segment[] };

function routesByMethod(routes: Route[]): Map<string, CompiledRoute[]> {
  const byMethod = new Map<string, CompiledRoute[]>();
  for (const r of routes) {
    const list = byMethod.get(r.method) ?? [];
    list.push({ ...r, segments: compilePath(r.path) });
    byMethod.set(r.method, list);
  }
  return byMethod;
}

function compilePath(path: string): Segment[] {
  return path.split("/").map((segment) => {
    const param = /^:(\w+)$/.exec(segment)?.[1];
    if (param) return { param };
    if (/[:*?+(){}\\]/.test(segment)) throw new Error(`unsupported route path syntax: ${path}`);
    return segment;
  });
}

/** The route's parameters (percent-decoded) when `parts` (a path split at "/") matches it. */
function matchPath(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  for (let i = 0; i < parts.length; i++) {
    const s = segments[i];
    if (typeof s === "string" ? s !== parts[i] : parts[i] === "") return undefined;
  }
  const params: Record<string, string> = {};
  segments.forEach((s, i) => {
    if (typeof s !== "string") params[s.param] = decodeURIComponent(parts[i]);
  });
  return params;
}

/** Canonicalises a rewritten route path (percent-encoding, dot segments) as URL pathnames are. */
const ANY_PATH = new URLPattern({ pathname: "*" });

/**
 * Instants (ms) per key, kept in ascending order, for rolling-window limits: counting those later
 * than a bound is O(log n), adding and forgetting are amortised O(1). An instant added out of order
 * (the clock set back) is inserted in place, so counts are exact whatever the clock does.
 */
export class Timestamps {
  #byKey = new Map<string, { times: number[]; start: number }>();

  add(key: string, at: number): void {
    let list = this.#byKey.get(key);
    if (!list) this.#byKey.set(key, list = { times: [], start: 0 });
    const { times } = list;
    if (times.length === list.start || at >= times[times.length - 1]) times.push(at);
    else times.splice(firstAfter(list, at), 0, at);
  }

  /** How many instants of `key` are later than `since`. */
  countAfter(key: string, since: number): number {
    const list = this.#byKey.get(key);
    return list ? list.times.length - firstAfter(list, since) : 0;
  }

  /** The kept instants per key (for a snapshot). */
  entries(): [string, number[]][] {
    return [...this.#byKey].map(([key, list]) => [key, list.times.slice(list.start)]);
  }

  static from(entries: [string, number[]][]): Timestamps {
    const made = new Timestamps();
    for (const [key, times] of entries) made.#byKey.set(key, { times: [...times], start: 0 });
    return made;
  }

  /** Forget the instants of `key` at or before `since`. */
  forget(key: string, since: number): void {
    const list = this.#byKey.get(key);
    if (!list) return;
    list.start = firstAfter(list, since);
    if (list.start > 1024 && list.start * 2 > list.times.length) {
      list.times = list.times.slice(list.start);
      list.start = 0;
    }
  }
}

/** Index of the first kept instant later than `at` (binary search). */
function firstAfter(list: { times: number[]; start: number }, at: number): number {
  let lo = list.start;
  let hi = list.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list.times[mid] <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Items that fall due at an instant (scheduled posts), taken once due: O(log n) each (a heap). */
export class DueQueue<T> {
  #heap: { at: number; item: T }[] = [];

  add(at: number, item: T): void {
    const heap = this.#heap;
    heap.push({ at, item });
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= heap[i].at) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  /** The items not yet taken, with their instants (for a snapshot), in no particular order. */
  entries(): { at: number; item: T }[] {
    return [...this.#heap];
  }

  /** Remove and return the items due at or before `now`, earliest first. */
  takeDue(now: number): T[] {
    const heap = this.#heap;
    const due: T[] = [];
    while (heap.length && heap[0].at <= now) {
      due.push(heap[0].item);
      const last = heap.pop()!;
      if (!heap.length) break;
      heap[0] = last;
      for (let i = 0;;) {
        const l = 2 * i + 1;
        const min = l + 1 < heap.length && heap[l + 1].at < heap[l].at ? l + 1 : l;
        if (min >= heap.length || heap[i].at <= heap[min].at) break;
        [heap[min], heap[i]] = [heap[i], heap[min]];
        i = min;
      }
    }
    return due;
  }
}

/** Items filed under string keys (posts by their text, for duplicate checks): O(1) per key. */
export class Index<T> {
  #byKey = new Map<string, T[]>();

  add(key: string, item: T): void {
    const items = this.#byKey.get(key);
    if (items) items.push(item);
    else this.#byKey.set(key, [item]);
  }

  remove(key: string, item: T): void {
    const items = this.#byKey.get(key);
    const i = items?.indexOf(item) ?? -1;
    if (i < 0) return;
    items!.splice(i, 1);
    if (!items!.length) this.#byKey.delete(key);
  }

  get(key: string): readonly T[] {
    return this.#byKey.get(key) ?? [];
  }

  /** Every key with its items (for a snapshot). */
  entries(): [string, readonly T[]][] {
    return [...this.#byKey];
  }
}

/** The handler, logging one line per platform request (control requests are not logged). */
function logged(
  name: string,
  log: (line: string) => void,
  handle: (req: Request, url: URL) => Promise<Response>,
): (req: Request) => Promise<Response> {
  return async (req) => {
    const started = performance.now();
    const url = new URL(req.url);
    const response = await handle(req, url);
    if (!url.pathname.startsWith("/__emulator/")) {
      log(
        `[${name}] ${req.method} ${url.pathname}${url.search} -> ${response.status} ` +
          `(${Math.round(performance.now() - started)} ms)`,
      );
    }
    return response;
  };
}

export function serveEmulator<S>(
  def: EmulatorDefinition<S>,
  options: EmulatorOptions = {},
): RunningEmulator<S> {
  let clock = options.clock;
  const now = () => (clock ? clock() : new Date());
  // Kept as received and turned into RecordedRequests only when read: copying every request's
  // headers and formatting its time cost the emulators a fifth of their CPU under load.
  const recorded: Received[] = [];
  let faults: Fault[] = [];
  const holds = new Set<() => void>();
  let nextId = 1;
  const routes = routesByMethod(def.routes);
  const saver = options.stateFile && def.persist
    ? stateSaver(options.stateFile, def.state, def.persist)
    : undefined;
  // The origin is known once the server listens, before any request arrives.
  const ctx: EmulatorContext = {
    now,
    origin: "",
    engagement: options.engagement ?? loadEngagementModel(),
  };

  const takeFault = (method: string, path: string): Fault | undefined => {
    if (faults.length === 0) return undefined;
    const fault = faults.find((f) =>
      (!f.method || f.method.toUpperCase() === method) && (!f.path || path.startsWith(f.path)) &&
      (f.probability >= 1 || Math.random() < f.probability)
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  };

  /** Never answer: until the emulator closes or `holdMs` passes (the client gives up first). */
  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        holds.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      holds.add(done);
    });

  const control = async (req: Request, url: URL): Promise<Response> => {
    const what = url.pathname.slice("/__emulator/".length);
    if (what === "requests" && req.method === "GET") {
      return json(
        running.requests({
          method: url.searchParams.get("method") ?? undefined,
          path: url.searchParams.get("path") ?? undefined,
        }),
      );
    }
    if (what === "requests" && req.method === "DELETE") {
      running.clearRequests();
      return new Response(null, { status: 204 });
    }
    if (what === "faults" && req.method === "POST") {
      const parsed = z.union([FaultSpecSchema, z.array(FaultSpecSchema)]).safeParse(
        await req.json().catch(() => undefined),
      );
      if (!parsed.success) return json({ error: z.prettifyError(parsed.error) }, 400);
      for (const spec of [parsed.data].flat()) running.addFault(spec);
      return json(faults, 201);
    }
    if (what === "faults" && req.method === "GET") return json(faults);
    if (what === "faults" && req.method === "DELETE") {
      running.clearFaults();
      return new Response(null, { status: 204 });
    }
    if (what === "clock" && req.method === "POST") {
      const body = z.object({
        now: z.iso.datetime({ offset: true }).optional(),
        offsetSeconds: z.number().optional(),
      })
        .safeParse(await req.json().catch(() => undefined));
      if (!body.success) return json({ error: z.prettifyError(body.error) }, 400);
      const fixed = body.data.now ? Date.parse(body.data.now) : undefined;
      const offset = (body.data.offsetSeconds ?? 0) * 1000;
      running.setClock(() => new Date((fixed ?? Date.now()) + offset));
      return json({ now: now().toISOString() });
    }
    if (what === "clock" && req.method === "DELETE") {
      running.setClock(undefined);
      return new Response(null, { status: 204 });
    }
    if (what === "health") return json({ name: def.name, now: now().toISOString() });
    const post = /^posts\/([^/]+)$/.exec(what);
    if (post && req.method === "DELETE" && def.removeByPerson) {
      return def.removeByPerson(decodeURIComponent(post[1]))
        ? new Response(null, { status: 204 })
        : json({ error: `no post ${post[1]}` }, 404);
    }
    const media = /^media\/[\w.-]+\.(mp4|mov|jpg|png|gif|mp3)$/.exec(what);
    if (media && req.method === "GET") return mediaFile(req, url, media[1]);
    return json({ error: `unknown control endpoint ${req.method} ${url.pathname}` }, 404);
  };

  const handle = async (req: Request, url: URL): Promise<Response> => {
    if (url.pathname.startsWith("/__emulator/")) return control(req, url);
    if (!saver) return platform(req, url);
    const response = await platform(req, url);
    saver.changed(); // for handlers that change the state after awaiting something
    return response;
  };

  const platform = async (req: Request, url: URL): Promise<Response> => {
    const path = def.routePath ? def.routePath(url) : url.pathname;
    const headers = req.headers;
    const bytes = await req.bytes();
    const { parsed, recorded: body } = parseBody(headers, bytes);
    const received: Received = {
      id: nextId++,
      method: req.method,
      path,
      search: url.search,
      headers,
      body,
      at: now(),
    };
    recorded.push(received);
    const response = await answer(req, path, url, parsed, bytes, headers);
    received.status = response.status;
    return response;
  };

  const answer = async (
    req: Request,
    path: string,
    url: URL,
    parsed: unknown,
    bytes: Uint8Array<ArrayBuffer>,
    headers: Headers,
  ): Promise<Response> => {
    const route = () => {
      const canonical = path === url.pathname
        ? path
        : ANY_PATH.exec({ pathname: path })?.pathname.input ?? path;
      const parts = canonical.split("/");
      for (const r of routes.get(req.method) ?? []) {
        const params = matchPath(r.segments, parts);
        if (!params) continue;
        return r.handle(
          {
            method: req.method,
            url,
            path,
            params,
            query: url.searchParams,
            headers,
            body: parsed,
            bytes,
          },
          ctx,
        );
      }
      return json({ error: `${def.name} emulator: no route for ${req.method} ${path}` }, 404);
    };

    // Any platform request may change the state (reads too: a scheduled post falls due).
    saver?.changed();
    const fault = takeFault(req.method, path);
    switch (fault?.mode) {
      case undefined:
        return route();
      case "latency": {
        const jitter = fault.jitterMs * (2 * Math.random() - 1);
        await new Promise((r) => setTimeout(r, Math.max(0, fault.latencyMs + jitter)));
        return route();
      }
      case "5xx":
        return def.faults.serverError(fault.status);
      case "rate_limit":
        return def.faults.rateLimited(new Date(now().getTime() + fault.resetInSeconds * 1000), ctx);
      case "revoke_token":
        return def.faults.revokedToken(ctx);
      case "html_200":
        return new Response(HTML_PAGE, { status: 200, headers: { "content-type": "text/html" } });
      case "timeout":
        if (fault.afterProcessing) await route();
        await hold(fault.holdMs);
        return new Response(null, { status: 504 });
    }
  };

  const server = Deno.serve(
    { port: options.port ?? 0, hostname: options.hostname ?? "127.0.0.1", onListen: () => {} },
    options.log ? logged(def.name, options.log, handle) : (req) => handle(req, new URL(req.url)),
  );
  const port = server.addr.port;
  ctx.origin = `http://${options.hostname ?? "127.0.0.1"}:${port}`;

  const running: RunningEmulator<S> = {
    name: def.name,
    origin: ctx.origin,
    port,
    state: def.state,
    requests(filter = {}) {
      return recorded.filter((r) =>
        (!filter.method || r.method === filter.method.toUpperCase()) &&
        (!filter.path || r.path.startsWith(filter.path))
      ).map(recordOf);
    },
    clearRequests() {
      recorded.length = 0;
    },
    addFault(spec) {
      const fault = FaultSpecSchema.parse(spec);
      faults.push({ ...fault, remaining: fault.count ?? Number.POSITIVE_INFINITY });
    },
    clearFaults() {
      faults = [];
    },
    setClock(next) {
      clock = next;
    },
    async close() {
      for (const release of [...holds]) release();
      await server.shutdown();
      saver?.close();
    },
  };
  return running;
}

/** The smallest pause between saves, and how many times a save's own duration the pause is at least. */
const SAVE_DELAY_MS = 100;
const SAVE_DELAY_FACTOR = 50;

/**
 * The saves of every emulator in this process (main.ts serves all eight on one event loop), one at a
 * time, oldest change first: after a save of D ms the next waits max(SAVE_DELAY_MS,
 * SAVE_DELAY_FACTOR * D), so saving costs the process at most a fiftieth of its time however large
 * the states grow, and holds its event loop for one emulator's save at most.
 */
const saves = {
  queue: [] as { save(): void }[],
  timer: undefined as ReturnType<typeof setTimeout> | undefined,
  delay: SAVE_DELAY_MS,
  add(saver: { save(): void }) {
    if (!this.queue.includes(saver)) this.queue.push(saver);
    this.timer ??= setTimeout(() => this.next(), this.delay);
  },
  remove(saver: { save(): void }) {
    this.queue = this.queue.filter((s) => s !== saver);
    if (this.queue.length === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  },
  next() {
    this.timer = undefined;
    const saver = this.queue.shift();
    if (!saver) return;
    const started = performance.now();
    try {
      saver.save();
    } catch (e) {
      // The emulator keeps serving (a full disk must not take the platforms down); its next change
      // tries again.
      console.error(`saving an emulator's state failed: ${e instanceof Error ? e.message : e}`);
    }
    this.delay = Math.max(SAVE_DELAY_MS, (performance.now() - started) * SAVE_DELAY_FACTOR);
    if (this.queue.length) this.timer = setTimeout(() => this.next(), this.delay);
  },
};

/** Loads `file` into `state`, and saves the state (through `saves`) after each change and on close. */
function stateSaver<S>(file: string, state: S, persistence: Persistence<S>) {
  Deno.mkdirSync(file.slice(0, file.lastIndexOf("/")) || ".", { recursive: true });
  try {
    loadSnapshot(file, state, persistence);
  } catch (e) {
    if (!(e instanceof UnreadableSnapshot)) throw e;
    // Not a snapshot this code wrote (saves are atomic): kept aside for a look, the state empty.
    const aside = `${file}.unreadable`;
    Deno.renameSync(file, aside);
    console.error(`${file}: ${e.message}; moved to ${aside}, starting empty`);
  }
  const saver = {
    queued: false,
    save() {
      this.queued = false;
      writeAtomically(file, snapshot(state, persistence));
    },
  };
  return {
    changed() {
      // Called on every request: the common case (already queued) is one field read.
      if (saver.queued) return;
      saver.queued = true;
      saves.add(saver);
    },
    close() {
      saves.remove(saver);
      saver.save();
    },
  };
}
