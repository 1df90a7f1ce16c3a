/**
 * The official `@mailchimp/mailchimp_marketing` client, one instance per adapter (per tenant's
 * credential), sending through net/node-agent.ts, its answers and errors classified by
 * net/classify.ts like every other adapter's.
 *
 * Tenant isolation: the package's default export is a CommonJS singleton whose `setConfig` sets a
 * process-wide key and server. It is never configured here. Each adapter builds a fresh ApiClient
 * from the singleton's constructor: its config, base path, headers and API objects (`campaigns`,
 * `reports`, built by the constructor with `this`) belong to that instance, so two tenants publishing
 * at once in one isolate never share a key or a host (tests/adapters/email_sdk.test.ts).
 *
 * The transport: the client builds each superagent request inside `callApi` and takes no agent. Its
 * one per-request hook is its cookie jar (`agent.attachCookies`, called with every request before it
 * is sent): ours sets the send-once agent, turns redirects off (superagent would send a POST body again
 * to wherever a 307 points) and keeps no cookies (Mailchimp's API sets none).
 *
 * The package is loaded on the first client built, not with this module: it costs 60-90 ms of CPU,
 * and every function that builds adapters would pay it at each cold start, email platforms or not.
 */
import type http from "node:http";
import {
  classifyNetworkError,
  classifyResponse,
  type ErrorProfile,
  type HttpAnswer,
} from "../net/classify.ts";
import type { HeaderReader } from "../net/transport.ts";
import type { Failure } from "./types.ts";

/** The parts of a superagent response the client hands back (or attaches to its errors). */
interface AgentResponse {
  status: number;
  header: Record<string, string | string[] | undefined>;
  body?: unknown;
  text?: string;
}

/** What every `...WithHttpInfo` call of the client resolves to. */
export type SdkCall = Promise<{ data: unknown; response: AgentResponse }>;

/** The slice of a superagent request the cookie-jar hook touches. */
interface AgentRequest {
  agent(agent: http.Agent): AgentRequest;
  redirects(count: number): AgentRequest;
}

/** The slice of the untyped client the email adapter uses. */
export interface MailchimpSdk {
  basePath: string;
  timeout: number;
  enableCookies: boolean;
  agent: { attachCookies(request: AgentRequest): void; saveCookies(response: unknown): void };
  config: Record<string, unknown>;
  setConfig(config: Record<string, unknown>): void;
  /** Sent with every request of this instance. */
  defaultHeaders: Record<string, string>;
  campaigns: {
    createWithHttpInfo(body: unknown): SdkCall;
    listWithHttpInfo(opts: Record<string, unknown>): SdkCall;
    getWithHttpInfo(id: string): SdkCall;
    updateWithHttpInfo(id: string, body: unknown): SdkCall;
    removeWithHttpInfo(id: string): SdkCall;
    setContentWithHttpInfo(id: string, body: unknown): SdkCall;
    getSendChecklistWithHttpInfo(id: string): SdkCall;
    sendWithHttpInfo(id: string): SdkCall;
    scheduleWithHttpInfo(id: string, body: unknown): SdkCall;
    unscheduleWithHttpInfo(id: string): SdkCall;
  };
  reports: { getCampaignReportWithHttpInfo(id: string): SdkCall };
}

/** The package's ApiClient constructor (the singleton's own), once loaded. */
let apiClient: Promise<new () => MailchimpSdk> | null = null;

function loadApiClient(): Promise<new () => MailchimpSdk> {
  return apiClient ??= import("@mailchimp/mailchimp_marketing").then(
    ({ default: mailchimp }) =>
      (mailchimp as unknown as { constructor: new () => MailchimpSdk }).constructor,
  );
}

export interface SdkSetup {
  /** The API root, e.g. https://us14.api.mailchimp.com/3.0 or an emulator's. */
  root: string;
  /** The Authorization header value (Basic with the API key, or Bearer with the OAuth token). */
  authorization: string;
  timeoutMs: number;
  agent: http.Agent;
}

/** A client of its own: nothing of it is shared with the singleton or another instance. */
export async function mailchimpSdk(
  { root, authorization, timeoutMs, agent }: SdkSetup,
): Promise<MailchimpSdk> {
  const ApiClient = await loadApiClient();
  const client = new ApiClient();
  // No key and no server in the config: the client would put config.server into any URL that
  // contains "server", and would build Basic per request (superagent's deprecated `new Buffer`, a
  // stack walk each call in Deno). The header is built once, per instance.
  client.setConfig({});
  client.defaultHeaders = { Authorization: authorization };
  client.basePath = root;
  client.timeout = timeoutMs;
  client.enableCookies = true;
  client.agent = {
    attachCookies: (request) => request.agent(agent).redirects(0),
    saveCookies: () => {},
  };
  return client;
}

/** Superagent's header record read as a HeaderReader (names are lower case). */
class RecordHeaders implements HeaderReader {
  constructor(private readonly record: AgentResponse["header"]) {}

  get(name: string): string | null {
    const value = this.record[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

function answerOf(response: AgentResponse): HttpAnswer {
  const headers = new RecordHeaders(response.header ?? {});
  const isJson = /json/.test(headers.get("content-type") ?? "");
  return {
    status: response.status,
    headers,
    body: isJson ? response.body : undefined,
    text: response.text ?? "",
  };
}

function responseOf(error: unknown): AgentResponse | undefined {
  const response = (error as { response?: AgentResponse } | null)?.response;
  return response && typeof response.status === "number" ? response : undefined;
}

/**
 * One client call: its 2xx answer, or a classified failure (never a throw). An error carrying a
 * response is classified by its status and body; one without (superagent's timeout, a lost or
 * refused connection) as a network error: a `RequestNotSent` from the agent is not applied, anything
 * else after the request was written is a "maybe sent" for a write.
 */
export async function callSdk(
  profile: ErrorProfile,
  method: string,
  now: Date,
  call: () => SdkCall,
): Promise<HttpAnswer | Failure> {
  try {
    const { response } = await call();
    return answerOf(response);
  } catch (error) {
    const ctx = { method, now };
    const response = responseOf(error);
    if (response) return classifyResponse(profile, answerOf(response), ctx);
    const timedOut = typeof (error as { timeout?: unknown } | null)?.timeout === "number";
    return classifyNetworkError(profile, error, { ...ctx, timedOut });
  }
}
