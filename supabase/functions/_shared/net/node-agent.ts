/**
 * The node agent for client libraries that send through node's http/https modules (the Mailchimp SDK's
 * superagent): kept-alive connections, the egress rules of net/egress.ts, and no request written twice.
 *
 * Why an agent of our own: Deno's node:http (2.9.6) sends a request again on a new connection when the
 * kept-alive connection it reused closes before an answer (`maybeRetryRequest` in node:_http_client),
 * whatever the method, also after the server received the request and acted on it. A POST whose
 * answer was lost would publish twice. This agent marks a request on a reused connection as not
 * reused unless its method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS: RFC 9110 section 9.2.2),
 * so Deno never resends a POST or PATCH: the lost connection fails the request, an outcome `unknown`
 * that the caller reconciles (findExisting), as with net/transport.ts. Proved in
 * tests/adapters/email_sdk.test.ts (a server that closes a reused connection as a POST arrives);
 * the egress rules in tests/security/egress_node_agent.test.ts.
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
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket, request) => {
    reuse(socket, request);
    // Deno resends a request whose reused connection is lost before an answer: only an idempotent one
    request.reusedSocket = IDEMPOTENT.has(request.method.toUpperCase());
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
