/**
 * The node:http Agent an npm SDK (twitter-api-v2) sends through: connections kept alive, but the
 * runtime never sends a request twice, and every connection goes only where net/egress.ts allows.
 *
 * Why a POST could go out twice: Deno's node:http (2.9.6) sends a request again on a new connection
 * when the kept-alive connection it was written to closes or fails before any answer
 * (`maybeRetryRequest`, for every method, whenever `request.reusedSocket` is true). A server that
 * closes an idle connection just as a POST arrives may have acted on it, so a second copy could
 * publish twice (tests/adapters/x_sdk_transport.test.ts shows the stock keep-alive Agent doing it).
 * This Agent overrides `reuseSocket` (Node's documented hook for an Agent subclass, called each
 * time a kept-alive socket is given to a request) so that no request is marked as sent on a reused
 * socket: the runtime reports the lost connection as an error ("socket hang up") instead of
 * resending. The caller decides: a write is "maybe sent" and reconciled with a lookup; an
 * idempotent request (RFC 9110 section 9.2.2) that failed on a reused connection before any answer
 * may be sent once more, signed afresh (adapters/x-api.ts), as net/transport.ts does.
 *
 * What happened to a request (its status, its error, whether it was connected, whether its socket
 * was reused) is recorded in the `RequestTrace` of the call that made it (`traced`), read through
 * AsyncLocalStorage when node hands the request to the Agent: listeners on the request, never on
 * the shared socket.
 *
 * Egress: `createConnection` connects through a `lookup` that resolves the host with
 * `destinationsOf` (net/egress.ts) and hands the socket only the addresses it checked, so the
 * address checked is the address connected to; an IP literal (which node never looks up) is checked
 * before a socket is made. A refused destination fails the socket with `DestinationNotAllowed`
 * before any byte is written. TLS still verifies the host name (`servername`).
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import dns from "node:dns";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  defaultEgressPolicy,
  DestinationNotAllowed,
  destinationsOf,
  type EgressPolicy,
  isAllowListed,
  isIpLiteral,
  refusalFor,
} from "./egress.ts";

/**
 * An idle kept-alive connection is closed after this long (net/transport.ts's `idleMs`): servers
 * close theirs after 5 s and more, and a connection the server may be closing is better not reused.
 * Node's Agent applies its `timeout` to free sockets; a request in flight only gets a 'timeout'
 * event, which nothing here acts on (x-api.ts keeps its own deadline).
 */
const IDLE_MS = 4_000;

/** What one call's request did on the wire. */
export interface RequestTrace {
  /** The answer's status, once its head arrived. */
  status?: number;
  /** The request's error (the socket's own: refused, reset, "socket hang up", a timeout). */
  error?: Error;
  /** A connection was made (or a kept-alive one given): bytes of the request may have been sent. */
  connected: boolean;
  /** The request went out on a kept-alive connection used before. */
  reused: boolean;
  /** The request itself, once node handed it to the Agent (a deadline destroys it). */
  request?: http.ClientRequest;
}

const traces = new AsyncLocalStorage<RequestTrace>();

/** Run `call` (one SDK request), recording what its request does into `trace`. */
export function traced<T>(trace: RequestTrace, call: () => Promise<T>): Promise<T> {
  return traces.run(trace, call);
}

/** Record what node reports of `req` into the current call's trace. */
function watch(req: http.ClientRequest): void {
  const trace = traces.getStore();
  if (!trace) return;
  trace.request = req;
  req.once("response", (res: http.IncomingMessage) => (trace.status = res.statusCode));
  req.once("error", (error: Error) => (trace.error ??= error));
  req.once("socket", (socket: net.Socket) => {
    if (!socket.connecting) trace.connected = true;
    else socket.once("connect", () => (trace.connected = true));
  });
}

/** Node hands each request to its Agent here (not in node's type declarations). */
type AddRequest = (this: http.Agent, req: http.ClientRequest, options: http.RequestOptions) => void;
const addRequestOf = (agent: typeof http.Agent | typeof https.Agent): AddRequest =>
  (agent.prototype as unknown as { addRequest: AddRequest }).addRequest;
const httpAddRequest = addRequestOf(http.Agent);
const httpsAddRequest = addRequestOf(https.Agent);

/** A kept-alive socket given to `req`: never taken as a reason for the runtime to resend it. */
function reused(req: http.ClientRequest): void {
  req.reusedSocket = false;
  const trace = traces.getStore();
  if (trace) trace.reused = true;
}

/** Connection options node passes to `createConnection` (host, port, servername, ...). */
type ConnectOptions = net.NetConnectOpts & tls.ConnectionOptions & { host?: string; port?: number };

type LookupCallback = (
  error: Error | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** node's `lookup` option: the egress rules decide, then the checked addresses are handed back. */
function egressLookup(
  protocol: "http:" | "https:",
  port: number,
  egress: EgressPolicy,
): (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    const url = new URL(`${protocol}//${hostname.includes(":") ? `[${hostname}]` : hostname}`);
    url.port = String(port);
    if (isAllowListed(url, egress.allowList())) {
      // the operator's allow-list: reached whatever the name resolves to
      dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) callback(error, []);
        else answer(addresses);
      });
      return;
    }
    destinationsOf(url, egress).then(
      (addresses) =>
        answer(addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))),
      (error) => callback(error instanceof Error ? error : new Error(String(error)), []),
    );
    function answer(addresses: dns.LookupAddress[]) {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    }
  };
}

/** A socket that fails at once with `error`: nothing is connected, nothing written. */
function refusedSocket(error: Error): net.Socket {
  const socket = new net.Socket();
  queueMicrotask(() => socket.destroy(error));
  return socket;
}

/**
 * Why an IP literal may not be reached (not allow-listed and not public), or undefined. Node never
 * calls `lookup` for a literal, so it is checked here.
 */
function literalRefusal(
  protocol: "http:" | "https:",
  host: string,
  port: number,
  egress: EgressPolicy,
): DestinationNotAllowed | undefined {
  if (!isIpLiteral(host)) return undefined;
  const url = new URL(`${protocol}//${host.includes(":") ? `[${host}]` : host}`);
  url.port = String(port);
  if (isAllowListed(url, egress.allowList())) return undefined;
  const refusal = refusalFor(host);
  return refusal ? new DestinationNotAllowed(refusal) : undefined;
}

function portOf(options: ConnectOptions, protocol: "http:" | "https:"): number {
  return Number(options.port ?? (protocol === "https:" ? 443 : 80));
}

class SendOnceHttpAgent extends http.Agent {
  constructor(private readonly egress: EgressPolicy) {
    super({ keepAlive: true, timeout: IDLE_MS });
  }

  override createConnection(options: ConnectOptions): net.Socket {
    const host = options.host ?? "localhost";
    const port = portOf(options, "http:");
    const refused = literalRefusal("http:", host, port, this.egress);
    if (refused) return refusedSocket(refused);
    return net.createConnection({
      ...options,
      host,
      port,
      lookup: egressLookup("http:", port, this.egress),
    } as net.NetConnectOpts);
  }

  addRequest(req: http.ClientRequest, options: http.RequestOptions): void {
    watch(req);
    httpAddRequest.call(this, req, options);
  }

  override reuseSocket(socket: net.Socket, req: http.ClientRequest): void {
    super.reuseSocket(socket, req);
    reused(req);
  }
}

class SendOnceHttpsAgent extends https.Agent {
  constructor(private readonly egress: EgressPolicy) {
    super({ keepAlive: true, timeout: IDLE_MS });
  }

  override createConnection(options: ConnectOptions): net.Socket {
    const host = options.host ?? "localhost";
    const port = portOf(options, "https:");
    const refused = literalRefusal("https:", host, port, this.egress);
    if (refused) return refusedSocket(refused);
    return tls.connect({
      ...options,
      host,
      port,
      servername: options.servername ?? (isIpLiteral(host) ? undefined : host),
      lookup: egressLookup("https:", port, this.egress),
    } as tls.ConnectionOptions);
  }

  addRequest(req: http.ClientRequest, options: http.RequestOptions): void {
    watch(req);
    httpsAddRequest.call(this, req, options);
  }

  override reuseSocket(socket: net.Socket, req: http.ClientRequest): void {
    super.reuseSocket(socket, req);
    reused(req);
  }
}

/** The Agent for requests to `baseUrl`'s scheme: kept-alive connections, nothing resent, egress checked. */
export function sendOnceAgent(
  baseUrl: string,
  egress: EgressPolicy = defaultEgressPolicy,
): http.Agent {
  return new URL(baseUrl).protocol === "https:"
    ? new SendOnceHttpsAgent(egress)
    : new SendOnceHttpAgent(egress);
}
