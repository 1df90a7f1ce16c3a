/**
 * The X API through npm `twitter-api-v2`, answering as the shared HttpClient does: the parsed,
 * schema-checked body, or a Failure from the one classifier (net/classify.ts, X_ERRORS). Never
 * throws for HTTP reasons.
 *
 * - Transport: the SDK sends through node:http with net/node-agent.ts's Agent (kept-alive
 *   connections, a POST never sent twice by the runtime, every connection checked by the egress
 *   rules). The base URL is the row's `publish_config.base_url` (an emulator), given to the SDK as
 *   the full URL of each call.
 * - Authorization: OAuth 1.0a is signed by the SDK for each request; OAuth 2.0 bearer tokens come
 *   from platforms/oauth2.ts's OAuth2Bearer (renewed with the rotating refresh token, stored under
 *   the platform's credential lock), one SDK client per access token.
 * - After a 401 the credential is renewed (a fresh OAuth 1.0a signature, or a refreshed token) and
 *   the request sent once more: a 401 was not applied.
 * - Errors: an `ApiResponseError` (an answer >= 400) is classified from its status, headers and
 *   body; no answer at all (`ApiRequestError`, a partial answer) is a network error, "not sent" only
 *   when the connection was never made (refused, unresolved, refused by the egress rules), else
 *   "maybe sent" for a write.
 */
import type { Agent } from "node:http";
import { Buffer } from "node:buffer";
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
} from "twitter-api-v2";
import type { z } from "zod";
import {
  classifyNetworkError,
  classifyResponse,
  type ErrorProfile,
  type HttpAnswer,
  malformedSuccess,
} from "../net/classify.ts";
import type { HttpOk } from "../net/api-client.ts";
import type { HeaderReader } from "../net/transport.ts";
import type { OAuth2Bearer } from "../platforms/oauth2.ts";
import { type RequestTrace, traced } from "../net/node-agent.ts";
import { requestDeadlines } from "../net/deadlines.ts";
import type { OAuth1Credentials } from "../platforms/oauth1.ts";
import type { Failure } from "./types.ts";

export interface XApiRequest {
  method: "GET" | "POST" | "DELETE";
  /** The full URL (base_url, path and query). */
  url: string;
  /** A JSON body. */
  json?: Record<string, unknown>;
  /** A multipart/form-data body (media APPEND). */
  form?: Record<string, string | Uint8Array>;
}

export type XAuth =
  | { kind: "oauth1"; credentials: OAuth1Credentials }
  | { kind: "oauth2"; bearer: OAuth2Bearer };

/** Node's response headers read as fetch's Headers reads them. */
class NodeHeaders implements HeaderReader {
  constructor(private readonly headers: Record<string, string | string[] | undefined> = {}) {}
  get(name: string): string | null {
    const value = this.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : String(value);
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

export class XApi {
  /** OAuth 2.0: the SDK client for the current access token. */
  private bearerClient?: { token: string; client: TwitterApi };
  private oauth1Client?: TwitterApi;

  constructor(
    private readonly auth: XAuth,
    private readonly agent: Agent,
    private readonly profile: ErrorProfile,
    private readonly timeoutMs: number,
    readonly now: () => Date,
  ) {}

  /** Send and require the expected 2xx body. */
  async request<T>(req: XApiRequest, expect: { json: z.ZodType<T> }): Promise<HttpOk<T> | Failure>;
  async request(req: XApiRequest, expect: { empty: true }): Promise<HttpOk<string> | Failure>;
  async request<T>(
    req: XApiRequest,
    expect: { json: z.ZodType<T> } | { empty: true },
  ): Promise<HttpOk<T | string> | Failure> {
    let answer = await this.sendAuthorized(req);
    if ("unauthorized" in answer) {
      const renewed = await this.renew(answer.sent);
      if (renewed !== true) return renewed === false ? answer.failure : renewed;
      answer = await this.sendAuthorized(req);
      if ("unauthorized" in answer) return answer.failure;
    }
    if ("ok" in answer) return answer;
    if ("empty" in expect) {
      return { ok: true, status: answer.status, headers: answer.headers, data: answer.text };
    }
    const ctx = { method: req.method, now: this.now() };
    if (answer.body === undefined) {
      return malformedSuccess(this.profile, answer, ctx, "the body is not JSON");
    }
    const parsed = expect.json.safeParse(answer.body);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join(".") || "body";
      return malformedSuccess(this.profile, answer, ctx, `${where} is not as expected`);
    }
    return { ok: true, status: answer.status, headers: answer.headers, data: parsed.data };
  }

  /** After a 401: a fresh credential (true), nothing to renew with (false), or why not. */
  private renew(sent: string | undefined): Promise<boolean | Failure> {
    if (this.auth.kind === "oauth1") return Promise.resolve(true); // each request is signed afresh
    return this.auth.bearer.renew(sent === undefined ? undefined : { authorization: sent });
  }

  /** The SDK client for the current credential, and the authorization it sends (OAuth 2.0). */
  private async client(): Promise<{ client: TwitterApi; sent?: string } | Failure> {
    const settings = { httpAgent: this.agent };
    if (this.auth.kind === "oauth1") {
      const c = this.auth.credentials;
      this.oauth1Client ??= new TwitterApi({
        appKey: c.app_key,
        appSecret: c.app_secret,
        accessToken: c.access_token,
        accessSecret: c.access_secret,
      }, settings);
      return { client: this.oauth1Client };
    }
    const auth = await this.auth.bearer.headers();
    if (!auth.ok) return auth;
    const authorization = auth.headers.authorization;
    const token = authorization.replace(/^Bearer /, "");
    if (this.bearerClient?.token !== token) {
      this.bearerClient = { token, client: new TwitterApi(token, settings) };
    }
    return { client: this.bearerClient.client, sent: authorization };
  }

  /** One request with the current credential: an answer, a 401 to renew after, or a failure. */
  private async sendAuthorized(
    req: XApiRequest,
  ): Promise<
    HttpAnswer | Failure | { unauthorized: true; failure: Failure; sent?: string }
  > {
    const got = await this.client();
    if (!("client" in got)) return got;
    let trace = newTrace();
    let answer = await this.sendOnce(got.client, req, trace);
    if (resendable(req, answer, trace)) {
      trace = newTrace();
      answer = await this.sendOnce(got.client, req, trace);
    }
    return "unauthorized" in answer ? { ...answer, sent: got.sent } : answer;
  }

  /** One request under the client's deadline (the whole exchange, as HttpClient's). */
  private async sendOnce(
    client: TwitterApi,
    req: XApiRequest,
    trace: Trace,
  ): Promise<HttpAnswer | Failure | { unauthorized: true; failure: Failure }> {
    const args = { prefix: "", fullResponse: true as const };
    const ctx = { method: req.method, now: this.now() };
    const deadline = requestDeadlines.set(this.timeoutMs, () => {
      trace.timedOut = true;
      trace.request?.destroy(new Error("no answer before the timeout"));
    });
    try {
      const v2 = client.v2;
      const response = await traced(
        trace,
        () =>
          req.method === "GET"
            ? v2.get(req.url, undefined, args)
            : req.method === "DELETE"
            ? v2.delete(req.url, undefined, args)
            : req.form
            ? v2.post(req.url, formBody(req.form), { ...args, forceBodyMode: "form-data" })
            : v2.post(req.url, req.json ?? {}, args),
      );
      const data: unknown = response.data;
      const text = typeof data === "string" ? data : data === undefined ? "" : JSON.stringify(data);
      return {
        status: trace.status ?? 200,
        headers: new NodeHeaders(response.headers),
        body: typeof data === "string" ? undefined : data,
        text,
      };
    } catch (error) {
      if (error instanceof ApiResponseError) {
        const data: unknown = error.data;
        const answer: HttpAnswer = {
          status: error.code,
          headers: new NodeHeaders(error.headers),
          body: typeof data === "string" ? undefined : data,
          text: typeof data === "string" ? data : JSON.stringify(data ?? ""),
        };
        const failure = classifyResponse(this.profile, answer, ctx);
        return error.code === 401 ? { unauthorized: true, failure } : failure;
      }
      return classifyNetworkError(this.profile, networkError(error, trace), {
        ...ctx,
        timedOut: trace.timedOut,
      });
    } finally {
      requestDeadlines.clear(deadline);
    }
  }
}

/** A request's trace, and whether its deadline passed. */
type Trace = RequestTrace & { timedOut: boolean };

const newTrace = (): Trace => ({ connected: false, reused: false, timedOut: false });

/** The SDK's form-data body: strings as they are, bytes as a Buffer (a file part). */
function formBody(form: Record<string, string | Uint8Array>): Record<string, string | Buffer> {
  const body: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(form)) {
    body[name] = typeof value === "string"
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return body;
}

/**
 * Whether to send again: a GET or DELETE (idempotent) that failed on a reused kept-alive connection
 * before any answer (the server had closed it). A POST never is: the caller reconciles.
 */
function resendable(req: XApiRequest, answer: object, trace: Trace): boolean {
  return req.method !== "POST" && "ok" in answer && trace.reused && trace.status === undefined &&
    !trace.timedOut;
}

/**
 * What no answer means, for classifyNetworkError: the socket's own error (the SDK's ApiRequestError
 * hides it), named `RequestNotSent` when no connection was ever made, so nothing reached X.
 */
function networkError(error: unknown, trace: Trace): Error {
  const cause = trace.error ?? (error instanceof Error ? error : new Error(String(error)));
  const isSdkError = error instanceof ApiRequestError || error instanceof ApiPartialResponseError;
  const message = isSdkError || !(error instanceof Error) ? cause.message : error.message;
  const wrapped = new Error(message || "the connection failed", { cause });
  if (!trace.connected && !trace.timedOut) wrapped.name = "RequestNotSent";
  return wrapped;
}
