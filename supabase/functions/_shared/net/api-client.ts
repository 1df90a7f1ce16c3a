/**
 * HTTP with a timeout, a JSON guard and the shared classifier: every adapter's HTTP goes here, over
 * the send-once HTTP/1.1 client in net/transport.ts (tests may inject a fetch).
 * Returns the parsed, schema-checked body or a classified Failure; never throws for HTTP reasons.
 */
import type { z } from "zod";
import {
  type ClassifyContext,
  classifyNetworkError,
  classifyResponse,
  type ErrorProfile,
  type HttpAnswer,
  malformedSuccess,
} from "./classify.ts";
import { requestDeadlines } from "./deadlines.ts";
import { type Answer, type HeaderReader, http1 } from "./transport.ts";
import { HTTP_SETTINGS } from "../adapters/settings.ts";
import type { Failure } from "../adapters/types.ts";

/**
 * Sends a request (fetch's arguments) and reads its whole answer; with `streamBody`, a 2xx answer's
 * body may come as `Answer.stream` instead (a transport that ignores it reads the body whole).
 */
export type Transport = (
  url: string,
  init: RequestInit & { streamBody?: boolean },
) => Promise<Answer>;

/** What adapters get injected (tests pass a clock or a fetch; production uses the defaults). */
export interface HttpDeps {
  transport: Transport;
  now: () => Date;
  timeoutMs: number;
}

/** What `defaultHttpDeps` takes: a fetch (a test's) is made the transport. */
export type HttpDepsOverrides = Partial<HttpDeps> & { fetch?: typeof fetch };

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Raw body (bytes for uploads). */
  body?: BodyInit;
  timeoutMs?: number;
  /**
   * With an authorizer: after a 401, renew the credential and send once more (default). A caller
   * that must decide itself what to resend (a resumable upload) sets false and calls `renewAuth`.
   */
  retryOnAuthRenewal?: boolean;
}

/**
 * Credentials an HttpClient attaches to every request, renewable after a 401 (an OAuth2 access
 * token refreshed with its refresh token). Requests that were answered 401 were not applied, so
 * sending them again after a renewal is safe.
 */
export interface RequestAuthorizer {
  /**
   * Headers to send with this request (asked for each request: an OAuth 1.0a signature covers its
   * method and URL), or why there can be none (a refused refresh).
   */
  headers(req: HttpRequest): Promise<{ ok: true; headers: Record<string, string> } | Failure>;
  /**
   * After a 401 to a request sent with `rejected` (its headers from `headers`): get a fresh
   * credential. false = nothing to renew with (the 401 stands).
   */
  renew(rejected?: Record<string, string>): Promise<boolean | Failure>;
}

export interface HttpOk<T> {
  ok: true;
  status: number;
  headers: HeaderReader;
  data: T;
}

/** Which 2xx bodies count as success. */
export type Expect<T> =
  | { json: z.ZodType<T> }
  /** No body needed (204, LinkedIn's 201 with the id in a header): `data` is the raw text. */
  | { empty: true };

/**
 * A 2xx answer whose body is read as it arrives: `next` gives the next piece, null at the end (each
 * read under the client's upload timeout: a host that stops sending fails, one that is slow does
 * not); `cancel` closes the connection when the rest is not wanted.
 */
export interface HttpBodyStream {
  ok: true;
  status: number;
  headers: HeaderReader;
  next(): Promise<{ ok: true; bytes: Uint8Array<ArrayBuffer> | null } | Failure>;
  cancel(): void;
}

export class HttpClient {
  constructor(
    private readonly deps: HttpDeps,
    private readonly profile: ErrorProfile,
    private readonly authorizer?: RequestAuthorizer,
  ) {}

  now(): Date {
    return this.deps.now();
  }

  /** The same client, attaching (and renewing after a 401) the authorizer's credentials. */
  withAuthorizer(authorizer: RequestAuthorizer): HttpClient {
    return new HttpClient(this.deps, this.profile, authorizer);
  }

  /** Renew the authorizer's credential (after a 401 the caller handles itself). */
  renewAuth(): Promise<boolean | Failure> {
    return this.authorizer ? this.authorizer.renew() : Promise.resolve(false);
  }

  /**
   * Send and classify; `okStatuses` beyond 2xx (e.g. YouTube's 308) count as answers. With an
   * authorizer, a 401 renews the credential and the request is sent once more.
   */
  async send(req: HttpRequest, okStatuses: readonly number[] = []): Promise<HttpAnswer | Failure> {
    const first = await this.sendAuthorized(req, okStatuses);
    if (!("sent" in first)) return first;
    const unauthorized = "ok" in first.answer && first.answer.status === 401;
    if (!unauthorized || !this.authorizer || req.retryOnAuthRenewal === false) return first.answer;
    const renewed = await this.authorizer.renew(first.sent);
    if (renewed === false) return first.answer;
    if (renewed !== true) return renewed;
    const second = await this.sendAuthorized(req, okStatuses);
    return "sent" in second ? second.answer : second;
  }

  /** Sent with the authorizer's headers (`sent`), or the authorizer's failure to give any. */
  private async sendAuthorized(
    req: HttpRequest,
    okStatuses: readonly number[],
  ): Promise<{ answer: HttpAnswer | Failure; sent: Record<string, string> } | Failure> {
    if (!this.authorizer) return { answer: await this.sendOnce(req, okStatuses), sent: {} };
    const auth = await this.authorizer.headers(req);
    if (!auth.ok) return auth;
    const answer = await this.sendOnce(
      { ...req, headers: { ...req.headers, ...auth.headers } },
      okStatuses,
    );
    return { answer, sent: auth.headers };
  }

  private sendOnce(
    req: HttpRequest,
    okStatuses: readonly number[],
  ): Promise<HttpAnswer | Failure> {
    return this.timed(req.timeoutMs ?? this.deps.timeoutMs, req.method, async (signal, ctx) => {
      const answer = answerOf(
        await this.deps.transport(req.url, {
          method: req.method,
          headers: req.json === undefined ? req.headers : withJsonType(req.headers),
          body: req.json === undefined ? req.body : JSON.stringify(req.json),
          signal,
        }),
      );
      if (isOk(answer.status) || okStatuses.includes(answer.status)) return answer;
      return classifyResponse(this.profile, answer, { ...ctx, now: this.deps.now() });
    });
  }

  /**
   * GET binary content (a video to upload, or a byte range of it with a `range` header); failures
   * classified with this client's profile.
   */
  download(
    url: string,
    headers?: Record<string, string>,
  ): Promise<HttpOk<Uint8Array<ArrayBuffer>> | Failure> {
    return this.timed(HTTP_SETTINGS.uploadTimeoutMs, "GET", async (signal, ctx) => {
      const response = await this.deps.transport(url, { headers, signal });
      if (!isOk(response.status)) return classifyResponse(this.profile, answerOf(response), ctx);
      const data = response.body ?? new Uint8Array(0);
      return { ok: true, status: response.status, headers: response.headers, data };
    });
  }

  /**
   * GET binary content as a stream (a video from a host that may ignore `Range`): the answer head
   * under the upload timeout, then each read of the body under it again; failures classified with
   * this client's profile. Error answers are read whole (and capped) to classify them.
   */
  async openStream(
    url: string,
    headers?: Record<string, string>,
  ): Promise<HttpBodyStream | Failure> {
    const ms = HTTP_SETTINGS.uploadTimeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const expire = () => {
      timedOut = true;
      controller.abort();
    };
    const ctx = { method: "GET", now: this.deps.now() };
    const opened = await this.timed(
      ms,
      "GET",
      async (_signal, ctx) => {
        const response = await this.deps.transport(url, {
          headers,
          signal: controller.signal,
          streamBody: true,
        });
        if (!isOk(response.status)) return classifyResponse(this.profile, answerOf(response), ctx);
        return { ok: true as const, response };
      },
      controller,
      () => timedOut,
      expire,
    );
    if (!opened.ok) return opened;
    const { response } = opened;
    const reader = (response.stream ?? new Blob([response.body ?? new Uint8Array(0)]).stream())
      .getReader();
    const profile = this.profile;
    return {
      ok: true,
      status: response.status,
      headers: response.headers,
      async next() {
        const deadline = requestDeadlines.set(ms, expire);
        try {
          const { done, value } = await reader.read();
          return { ok: true, bytes: done ? null : value as Uint8Array<ArrayBuffer> };
        } catch (error) {
          return classifyNetworkError(profile, error, { ...ctx, timedOut });
        } finally {
          requestDeadlines.clear(deadline);
        }
      },
      cancel() {
        reader.cancel().catch(() => {});
        controller.abort();
      },
    };
  }

  /** `work` under a deadline of `ms` (its signal aborts then); an error it throws is classified. */
  private async timed<T>(
    ms: number,
    method: string,
    work: (signal: AbortSignal, ctx: ClassifyContext) => Promise<T | Failure>,
    controller = new AbortController(),
    expired?: () => boolean,
    expire?: () => void,
  ): Promise<T | Failure> {
    let timedOut = false;
    const deadline = requestDeadlines.set(
      ms,
      expire ?? (() => {
        timedOut = true;
        controller.abort();
      }),
    );
    const ctx = { method, now: this.deps.now() };
    try {
      return await work(controller.signal, ctx);
    } catch (error) {
      return classifyNetworkError(this.profile, error, {
        ...ctx,
        timedOut: expired ? expired() : timedOut,
      });
    } finally {
      requestDeadlines.clear(deadline);
    }
  }

  /** Send and require the expected 2xx body. */
  async request<T>(req: HttpRequest, expect: { json: z.ZodType<T> }): Promise<HttpOk<T> | Failure>;
  async request(req: HttpRequest, expect: { empty: true }): Promise<HttpOk<string> | Failure>;
  async request<T>(req: HttpRequest, expect: Expect<T>): Promise<HttpOk<T | string> | Failure> {
    const answer = await this.send(req);
    if ("ok" in answer) return answer;
    if ("empty" in expect) {
      return { ok: true, status: answer.status, headers: answer.headers, data: answer.text };
    }
    return this.expectJson(req.method, answer, expect.json);
  }

  /** Check a 2xx answer's body; a mismatch is a failure, never a success. */
  expectJson<T>(method: string, answer: HttpAnswer, schema: z.ZodType<T>): HttpOk<T> | Failure {
    const ctx = { method, now: this.deps.now() };
    if (answer.body === undefined) {
      return malformedSuccess(this.profile, answer, ctx, "the body is not JSON");
    }
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join(".") || "body";
      return malformedSuccess(this.profile, answer, ctx, `${where} is not as expected`);
    }
    return { ok: true, status: answer.status, headers: answer.headers, data: parsed.data };
  }
}

/**
 * The headers with content-type application/json (replacing any other content-type), as a plain
 * record: fetch takes it as it is, with no Headers object built first.
 */
function withJsonType(headers: Record<string, string> = {}): Record<string, string> {
  const merged: Record<string, string> = { "content-type": "application/json" };
  for (const name in headers) {
    if (name.toLowerCase() !== "content-type") merged[name] = headers[name];
  }
  return merged;
}

const utf8 = new TextDecoder();

const isOk = (status: number) => status >= 200 && status <= 299;

/** An answer's body as text and, where it is JSON, parsed. */
function answerOf(response: Answer): HttpAnswer {
  const text = response.body ? utf8.decode(response.body) : "";
  return { status: response.status, headers: response.headers, body: parseJson(text), text };
}

/** A fetch (a test's) as a transport. */
export function fetchTransport(fetcher: typeof fetch): Transport {
  return async (url, init) => {
    // `streamBody` goes along: Http1Client.fetch streams the body it is asked to
    const response = await fetcher(url, init);
    if (init.streamBody && response.ok && response.body) {
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: null,
        stream: response.body as ReadableStream<Uint8Array<ArrayBuffer>>,
      };
    }
    return {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      body: response.body === null ? null : new Uint8Array(await response.arrayBuffer()),
    };
  };
}

/** The parsed body, or undefined when it is empty or not JSON (JSON.parse throws on both). */
function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function defaultHttpDeps(overrides: HttpDepsOverrides = {}): HttpDeps {
  return {
    transport: overrides.transport ??
      (overrides.fetch ? fetchTransport(overrides.fetch) : http1.request),
    now: overrides.now ?? (() => new Date()),
    timeoutMs: overrides.timeoutMs ?? HTTP_SETTINGS.timeoutMs,
  };
}

/** The HttpClient an adapter uses: injected deps, then the row's `timeout_ms`, then defaults. */
export function httpClientFor(
  publishConfig: { timeout_ms?: number },
  deps: HttpDepsOverrides,
  profile: ErrorProfile,
): HttpClient {
  return new HttpClient(
    defaultHttpDeps({ ...deps, timeoutMs: deps.timeoutMs ?? publishConfig.timeout_ms }),
    profile,
  );
}
