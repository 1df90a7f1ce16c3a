/**
 * The node agent for the SDKs that send through node's http/https modules (twitter-api-v2; the
 * Mailchimp SDK's superagent): kept-alive connections, the egress rules of net/egress.ts, and no
 * request written twice.
 *
 * Why an agent of our own: Deno's node:http (2.9.6) sends a request again on a new connection when the
 * kept-alive connection it reused closes before an answer (`maybeRetryRequest` in node:_http_client),
 * whatever the method, also after the server received the request and acted on it. A POST whose
 * answer was lost would publish twice. This agent marks a request on a reused connection as not
 * reused unless its method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS: RFC 9110 section 9.2.2),
 * so Deno never resends a POST or PATCH: the lost connection fails the request, an outcome `unknown`
 * that the caller reconciles (findExisting), as with net/transport.ts. With `resend: "never"` no
 * request at all is resent by the runtime: a caller that signs each request (X's OAuth 1.0a nonce may
 * not be used twice) resends an idempotent one itself, signed afresh. Proved in
 * tests/adapters/email_sdk.test.ts and tests/adapters/x_sdk_transport.test.ts (a server that closes a
 * reused connection as a POST arrives); the egress rules in tests/security/egress_node_agent.test.ts.
 *
 * What happened to one call's request (its status, its error, whether it was connected, whether its
 * connection was reused) is recorded in that call's `RequestTrace` (`traced`, through
 * AsyncLocalStorage when node hands the request to the agent): listeners on the request only, never
 * on the shared socket.
 *
 * Egress: each connection goes to an address `destinationsOf` checked (TLS still verifies the host
 * name). A request gets its socket only once connected, so a failure before any byte was written
 * (refused destination, DNS, refused connection, TLS) reaches the caller as a `RequestNotSent`, which
 * net/classify.ts classes as not applied; any later failure is a "maybe sent".
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  defaultEgressPolicy,
  describeNetworkError,
  destinationsOf,
  type EgressPolicy,
} from "./egress.ts";
import { RequestNotSent } from "./transport.ts";

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

export interface SendOnceAgentOptions {
  /** Where connections may go (the operator's allow-list and the resolver). */
  egress?: EgressPolicy;
  /** Idle kept-alive connections close after this long (servers close theirs after 5 s and more). */
  idleMs?: number;
  /** Opens a connection to a checked address (tests record instead of connecting). */
  connect?: NodeConnector;
  /**
   * Which requests the runtime may send again after a reused connection was lost before an answer:
   * `idempotent` (the default) or `never` (the caller resends, e.g. signed afresh).
   */
  resend?: "idempotent" | "never";
}

/** What one call's request did on the wire. */
export interface RequestTrace {
  /** The answer's status, once its head arrived. */
  status?: number;
  /** The request's error (refused, reset, "socket hang up", a timeout, a `RequestNotSent`). */
  error?: Error;
  /** A connection was made (or a kept-alive one given): bytes of the request may have been sent. */
  connected: boolean;
  /** The request went out on a kept-alive connection used before. */
  reused: boolean;
  /** The request itself, once node handed it to the agent (a deadline destroys it). */
  request?: http.ClientRequest;
}

const traces = new AsyncLocalStorage<RequestTrace>();

/** Run `call` (one SDK request), recording what its request does into `trace`. */
export function traced<T>(trace: RequestTrace, call: () => Promise<T>): Promise<T> {
  return traces.run(trace, call);
}

/** Record what node reports of `request` into the current call's trace. */
function watch(request: http.ClientRequest): void {
  const trace = traces.getStore();
  if (!trace) return;
  trace.request = request;
  request.once("response", (res: http.IncomingMessage) => (trace.status = res.statusCode));
  request.once("error", (error: Error) => (trace.error ??= error));
  // the agent hands a request its socket only once connected
  request.once("socket", () => (trace.connected = true));
}

/** Opens a TCP (`secure`: TLS) connection; `host` is an address net/egress.ts checked. */
export type NodeConnector = (
  options: tls.ConnectionOptions & { host: string; port: number },
  secure: boolean,
) => net.Socket;

const nodeConnect: NodeConnector = (options, secure) =>
  secure ? tls.connect(options) : net.connect({ host: options.host, port: options.port });

/** The options node hands an agent's createConnection (the request's host, port, TLS settings). */
type ConnectOptions = http.ClientRequestArgs & tls.ConnectionOptions & { host?: string };

type Created = (error: Error | null, socket?: Duplex) => void;

/**
 * An http.Agent or https.Agent (by the base URL's scheme) that keeps connections alive, connects
 * only where net/egress.ts allows, and never lets node:http resend a POST or PATCH.
 */
export function sendOnceAgent(baseUrl: string, options: SendOnceAgentOptions = {}): http.Agent {
  const secure = new URL(baseUrl).protocol === "https:";
  const egress = options.egress ?? defaultEgressPolicy;
  const connect = options.connect ?? nodeConnect;
  const agentOptions = { keepAlive: true, timeout: options.idleMs ?? 4_000 };
  const agent: http.Agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const resendable = options.resend === "never" ? new Set<string>() : IDEMPOTENT;
  // node hands each request to its agent here (not in node's type declarations)
  const withAdd = agent as unknown as { addRequest(request: http.ClientRequest, o: unknown): void };
  const add = withAdd.addRequest.bind(agent);
  withAdd.addRequest = (request, addOptions) => {
    watch(request);
    add(request, addOptions);
  };
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket, request) => {
    reuse(socket, request);
    const trace = traces.getStore();
    if (trace) trace.reused = true;
    // Deno resends a request whose reused connection is lost before an answer: only an idempotent one
    request.reusedSocket = resendable.has(request.method.toUpperCase());
    if (!request.reusedSocket) return;
    // ... and never one its caller gave up on (a timeout destroys it; Deno would still resend it)
    const destroy = request.destroy.bind(request);
    request.destroy = (error?: Error) => {
      request.reusedSocket = false;
      return destroy(error);
    };
  };
  // node calls createConnection for every new connection; the socket is handed over once connected
  (agent as unknown as { createConnection: unknown }).createConnection = (
    connectOptions: ConnectOptions,
    created: Created,
  ): undefined => {
    open(secure, connectOptions, egress, connect).then(
      (socket) => created(null, socket),
      (error) => created(new RequestNotSent(describeNetworkError(error), { cause: error })),
    );
    return undefined;
  };
  return agent;
}

/** The isolate's agents, by scheme and resend rule (`sharedSendOnceAgent`). */
const sharedAgents = new Map<string, http.Agent>();

/**
 * The isolate's send-once agent for `baseUrl`'s scheme, with the default egress rules: one agent for
 * every adapter, so its kept-alive connections are pooled per origin across platforms, as
 * net/transport.ts's `http1` pools the other adapters'. A run publishing for many accounts of one
 * platform (thousands of X accounts all post to api.x.com) then reuses connections instead of opening,
 * and on https handshaking, one per account. Only the pool is shared: each request carries its own
 * credentials, and its trace is its caller's (`traced`).
 */
export function sharedSendOnceAgent(
  baseUrl: string,
  resend: SendOnceAgentOptions["resend"] = "idempotent",
): http.Agent {
  const key = `${new URL(baseUrl).protocol}${resend}`;
  let agent = sharedAgents.get(key);
  if (!agent) sharedAgents.set(key, agent = sendOnceAgent(baseUrl, { resend }));
  return agent;
}

/** A connected socket to the first checked address of the request's host that accepts. */
async function open(
  secure: boolean,
  options: ConnectOptions,
  egress: EgressPolicy,
  connect: NodeConnector,
): Promise<Duplex> {
  const hostname = (options.host ?? options.hostname ?? "localhost").replace(/^\[|\]$/g, "");
  const port = Number(options.port ?? (secure ? 443 : 80));
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const addresses = await destinationsOf(
    new URL(`${secure ? "https" : "http"}://${host}:${port}`),
    egress,
  );
  let failure: unknown;
  for (const address of addresses) {
    try {
      return await connectTo(
        connect(connectOptionsFor(options, address, hostname, port), secure),
        secure,
      );
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

/** The request's TLS settings, to `address`; TLS verifies the certificate against the host name. */
function connectOptionsFor(
  options: ConnectOptions,
  address: string,
  hostname: string,
  port: number,
) {
  return {
    ...options,
    host: address,
    port,
    servername: net.isIP(hostname) ? undefined : hostname,
  };
}

/** The socket once connected (and its TLS handshake done), or why it could not be. */
function connectTo(socket: net.Socket, secure: boolean): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const ready = secure ? "secureConnect" : "connect";
    const failed = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once("error", failed);
    socket.once(ready, () => {
      socket.removeListener("error", failed);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
