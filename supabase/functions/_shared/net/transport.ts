/**
 * The adapters' HTTP/1.1 client: a fetch-compatible function over Deno's TCP and TLS connections,
 * with kept-alive connections pooled per origin. Why not fetch itself:
 *   - fetch sends a request again on a new connection when a pooled connection closes before the
 *     answer, also after the server acted on it (Deno 2.9.6): a POST whose answer was lost could
 *     publish twice. Here a request goes out once; only a GET, HEAD, PUT or DELETE (idempotent,
 *     RFC 9110 section 9.2.2) that failed on a reused connection before any answer is sent once more
 *     on a new connection.
 *   - A failure before any byte of the request was written (DNS, refused, TLS) is a `RequestNotSent`,
 *     so a caller knows for certain that nothing arrived.
 *   - It spends less CPU a round trip than fetch (bench/publish's HTTP limit prints both).
 * Answers: Content-Length, chunked and read-to-close bodies; gzip/deflate content codings; 1xx
 * interim answers skipped; redirects followed for GET and HEAD only (fetch would resend a POST body
 * to wherever a 307 points). Proxies (HTTP_PROXY) are not used.
 * Egress: every connection, the first and each redirect's, goes where net/egress.ts allows: the host is
 * resolved, every address checked, and the connection made to a checked address (TLS still verifies
 * the host name). A refused destination is a `RequestNotSent` caused by `DestinationNotAllowed`.
 * Bodies are capped as received and again as decoded (a gzip bomb stops at the cap). Error messages
 * name neither addresses nor ports (they reach tenants); the causes keep the details for logs.
 * A caller that asks for a stream (`streamBody`) gets a 2xx answer's body as a ReadableStream read
 * from the connection as it is consumed, never held whole (a video to upload); other answers are
 * read and capped as usual.
 */
import { concatBytes } from "../bytes.ts";
import {
  defaultEgressPolicy,
  describeNetworkError,
  destinationsOf,
  type EgressPolicy,
  portOf,
} from "./egress.ts";

/** Nothing of the request was sent: the connection or TLS handshake failed first. */
export class RequestNotSent extends Error {
  override name = "RequestNotSent";
}

/** The answer's body is larger than the client holds in memory (`maxBodyBytes`): it was not read. */
export class AnswerTooLarge extends Error {
  override name = "AnswerTooLarge";
}

/** Header fields read by name, as fetch's Headers reads them. */
export interface HeaderReader {
  get(name: string): string | null;
  has(name: string): boolean;
}

/** An answer's header fields (names in lower case): a field given more than once reads as one, joined by ", ". */
export class AnswerHeaders implements HeaderReader {
  constructor(readonly fields: [string, string][]) {}

  get(name: string): string | null {
    const lower = name.toLowerCase();
    let value: string | null = null;
    for (const [field, v] of this.fields) {
      if (field === lower) value = value === null ? v : `${value}, ${v}`;
    }
    return value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

/**
 * An answer as it was received. `request` hands this out, not a Response: building a Response and its
 * Headers, and reading its body back out (a copy each way), would cost a large share of a round
 * trip's CPU (bench/RESULTS.md).
 */
export interface Answer {
  status: number;
  statusText: string;
  headers: HeaderReader;
  /** The body, decoded from its content coding; null for HEAD and the statuses without one. */
  body: Uint8Array<ArrayBuffer> | null;
  /**
   * With `streamBody`, a 2xx answer's body (decoded) as it arrives, and `body` null: read it to its
   * end (the connection is then reused) or cancel it (the connection is closed). A body that ends
   * before its Content-Length, or a chunked body cut off, errors the stream.
   */
  stream?: ReadableStream<Uint8Array<ArrayBuffer>>;
}

/** What Http1Client.request answers: an Answer whose header fields are at hand as received. */
export interface Http1Answer extends Answer {
  headers: AnswerHeaders;
}

export interface Http1Options {
  /** Idle connections older than this are not reused (servers close theirs after 5 s and more). */
  idleMs?: number;
  /** Idle connections kept per origin. */
  maxIdlePerOrigin?: number;
  maxRedirects?: number;
  /**
   * The largest answer body read into memory (192 MiB): a larger one fails the request with
   * `AnswerTooLarge` before it is read, rather than the process running out of memory.
   */
  maxBodyBytes?: number;
  /** PEM certificates trusted besides the system's and DENO_CERT's (which the shared client uses). */
  caCerts?: string[];
  /** Where requests may go (net/egress.ts): the operator's allow-list and the resolver. */
  egress?: EgressPolicy;
  /** Opens a TCP connection to a checked address (tests record instead of connecting). */
  connect?: Connector;
}

/** Opens a TCP connection; `hostname` is an address net/egress.ts checked (or an allow-listed host). */
export type Connector = (options: { hostname: string; port: number }) => Promise<Deno.TcpConn>;

/** What `request` takes besides fetch's RequestInit. */
export interface Http1Init extends RequestInit {
  /** This request's cap on the answer's body, as received and as decoded (else the client's). */
  maxBodyBytes?: number;
  /**
   * Read at most this many bytes of the body (as received, not decoded) and then close the
   * connection, instead of failing a larger answer: for a caller that needs only the status.
   */
  bodyPrefixBytes?: number;
  /** A 2xx answer's body as `Answer.stream`, read as it is consumed (not capped, not held). */
  streamBody?: boolean;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
const encoder = new TextEncoder();
/** Bodies above this are read straight into an array of their own size (Connection.readExactly). */
const LARGE_BODY = 65_536;
/** A hosted Edge Function has 256 MB: an answer must leave room for the rest of the run. */
const MAX_BODY_BYTES = 192 * 1024 * 1024;
/** The most a streamed body's piece holds (one read from the connection). */
const STREAM_PIECE = 65_536;
const latin1 = new TextDecoder("latin1");

/** One TCP/TLS connection: a byte buffer over it, and whether it is between requests. */
class Connection {
  private buffer = new Uint8Array(16_384);
  private start = 0;
  private end = 0;
  private readonly chunk = new Uint8Array(16_384);
  /** A read started while the connection was idle, so a close by the server is seen at once. */
  private pending: Promise<number | null> | null = null;
  idle = false;
  idleSince = 0;
  closed = false;

  constructor(private readonly conn: Deno.Conn, private readonly onDead: (c: Connection) => void) {}

  async write(bytes: Uint8Array): Promise<void> {
    for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
  }

  /** Bytes buffered and not yet consumed. */
  get available(): number {
    return this.end - this.start;
  }

  /** Read more bytes into the buffer; false at the end of the stream. */
  async fill(): Promise<boolean> {
    const read = this.pending ?? this.conn.read(this.chunk);
    this.pending = null;
    const n = await read;
    if (n === null) return false;
    this.append(this.chunk.subarray(0, n));
    return true;
  }

  private append(bytes: Uint8Array): void {
    if (this.end + bytes.length > this.buffer.length) {
      const live = this.end - this.start;
      if (live + bytes.length <= this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(this.buffer.length, live + bytes.length) * 2);
        next.set(this.buffer.subarray(this.start, this.end));
        this.buffer = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** Index (from start) of the first CRLF CRLF, searching from `from`, or -1. */
  findHeadEnd(from: number): number {
    const b = this.buffer;
    for (let i = this.start + from; i + 3 < this.end; i++) {
      if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
        return i - this.start;
      }
    }
    return -1;
  }

  /** Index (from start) of the first CRLF, or -1. */
  findLineEnd(): number {
    const b = this.buffer;
    for (let i = this.start; i + 1 < this.end; i++) {
      if (b[i] === 13 && b[i + 1] === 10) return i - this.start;
    }
    return -1;
  }

  /**
   * Exactly n bytes: those buffered, then read straight into the answer's own array, so a large body
   * (a video to upload) is held once, not also in a buffer grown to its size.
   */
  async readExactly(n: number): Promise<Uint8Array> {
    // a read started while the connection was idle lands in the buffer first
    if (this.pending && !(await this.fill())) {
      throw new TypeError("the connection closed inside the answer's body");
    }
    if (this.available >= n) return this.take(n);
    const out = new Uint8Array(n);
    let at = this.available;
    out.set(this.buffer.subarray(this.start, this.end));
    this.start = this.end = 0;
    while (at < n) {
      const read = await this.conn.read(out.subarray(at));
      if (read === null) throw new TypeError("the connection closed inside the answer's body");
      at += read;
    }
    return out;
  }

  /** Some bytes of the stream, at most `max` (those buffered first); null at its end. */
  async readSome(max: number): Promise<Uint8Array<ArrayBuffer> | null> {
    if (this.pending && !(await this.fill())) return null;
    if (this.available > 0) return this.take(Math.min(max, this.available));
    const out = new Uint8Array(Math.min(max, STREAM_PIECE));
    const n = await this.conn.read(out);
    if (n === null) return null;
    return n === out.length ? out : out.slice(0, n);
  }

  /** n buffered bytes as Latin-1 text (an answer head, a chunk-size line), consumed. */
  takeText(n: number): string {
    const text = latin1.decode(this.buffer.subarray(this.start, this.start + n));
    this.skip(n);
    return text;
  }

  /** Take n buffered bytes (a copy). */
  take(n: number): Uint8Array<ArrayBuffer> {
    const out = this.buffer.slice(this.start, this.start + n);
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Between requests: watch for the server closing the connection (or sending what it should not). */
  park(): void {
    this.idle = true;
    this.idleSince = Date.now();
    this.conn.unref();
    const read = this.conn.read(this.chunk);
    this.pending = read;
    read.then((n) => {
      if (this.idle && this.pending === read) {
        // an idle connection must stay silent: end of stream or stray bytes both end it
        if (n !== null) this.append(this.chunk.subarray(0, n));
        this.pending = null;
        this.close();
      }
    }, () => {
      if (this.idle && this.pending === read) {
        this.pending = null;
        this.close();
      }
    });
  }

  unpark(): void {
    this.idle = false;
    this.conn.ref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed by the runtime
    }
    this.onDead(this);
  }
}

interface Head {
  status: number;
  statusText: string;
  headers: [string, string][];
  contentLength: number | undefined;
  chunked: boolean;
  closes: boolean;
  encoding: string | undefined;
}

interface Prepared {
  method: string;
  url: URL;
  head: Uint8Array;
  body: Uint8Array | undefined;
}

/** How much of an answer's body is read: all up to `bytes` (else AnswerTooLarge), or a prefix. */
interface BodyLimit {
  bytes: number;
  prefix: boolean;
  /** A 2xx body is handed out as a stream instead (`Http1Init.streamBody`). */
  stream?: boolean;
}

export class Http1Client {
  private readonly idle = new Map<string, Connection[]>();
  private readonly idleMs: number;
  private readonly maxIdle: number;
  private readonly maxRedirects: number;
  private readonly maxBodyBytes: number;
  private readonly caCerts: string[] | undefined;
  private readonly egress: EgressPolicy;
  private readonly connectTcp: Connector;

  constructor(options: Http1Options = {}) {
    this.caCerts = options.caCerts;
    this.egress = options.egress ?? defaultEgressPolicy;
    this.connectTcp = options.connect ?? ((o) => Deno.connect(o));
    this.idleMs = options.idleMs ?? 4_000;
    this.maxIdle = options.maxIdlePerOrigin ?? 256;
    this.maxRedirects = options.maxRedirects ?? 5;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  /**
   * Send a request (fetch's arguments) and read its whole answer; `init.redirect: "manual"` returns
   * redirects as they are.
   */
  request = async (input: string | URL, init: Http1Init = {}): Promise<Http1Answer> => {
    let url = new URL(input);
    let method = (init.method ?? "GET").toUpperCase();
    let headers = init.headers;
    let body: BodyInit | null | undefined = init.body;
    const limit: BodyLimit = init.bodyPrefixBytes !== undefined
      ? { bytes: init.bodyPrefixBytes, prefix: true }
      : {
        bytes: Math.min(init.maxBodyBytes ?? this.maxBodyBytes, this.maxBodyBytes),
        prefix: false,
        stream: init.streamBody === true,
      };
    for (let redirects = 0;; redirects++) {
      const answer = await this.send(await prepare(method, url, headers, body), limit, init.signal);
      const location = answer.headers.get("location");
      const follow = REDIRECT.has(answer.status) && location !== null &&
        (method === "GET" || method === "HEAD") && init.redirect !== "manual";
      if (!follow) return answer;
      if (redirects >= this.maxRedirects) throw new TypeError("too many redirects");
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new TypeError("a redirect's location is not a URL");
      }
      // credentials go only to the origin they were meant for
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      url = next;
      method = method === "HEAD" ? "HEAD" : "GET";
      body = undefined;
    }
  };

  /** fetch's signature, for callers that want a Response. */
  fetch = async (input: RequestInfo | URL, init: Http1Init = {}): Promise<Response> => {
    if (input instanceof Request) {
      throw new TypeError("Http1Client.fetch takes a URL, not a Request");
    }
    const answer = await this.request(input, init);
    return new Response(answer.stream ?? answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers.fields,
    });
  };

  /** Close every idle connection (open ones close when their request ends). */
  closeIdle(): void {
    for (const list of this.idle.values()) for (const c of [...list]) c.close();
    this.idle.clear();
  }

  private async send(
    req: Prepared,
    limit: BodyLimit,
    signal: AbortSignal | null | undefined,
  ): Promise<Http1Answer> {
    signal?.throwIfAborted();
    const reused = this.takeIdle(req.url);
    try {
      return await this.exchange(reused ?? await this.connect(req.url, signal), req, limit, signal);
    } catch (error) {
      const stale = reused !== undefined && error instanceof NoAnswer && IDEMPOTENT.has(req.method);
      if (!stale) throw unwrap(error);
      // the server had closed the reused connection: an idempotent request goes once more
      try {
        return await this.exchange(await this.connect(req.url, signal), req, limit, signal);
      } catch (again) {
        throw unwrap(again);
      }
    }
  }

  private async exchange(
    conn: Connection,
    req: Prepared,
    limit: BodyLimit,
    signal: AbortSignal | null | undefined,
  ): Promise<Http1Answer> {
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      conn.close();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let reusable = false;
    let handedOut = false;
    try {
      try {
        await writeRequest(conn, req);
      } catch (error) {
        throw new NoAnswer(error);
      }
      let head: Head;
      try {
        do head = await readHead(conn); while (head.status >= 100 && head.status < 200);
      } catch (error) {
        throw error instanceof NoAnswer ? error : new NoAnswer(error);
      }
      const hasBody = req.method !== "HEAD" && !NULL_BODY_STATUS.has(head.status);
      if (hasBody && limit.stream && !limit.prefix && head.status >= 200 && head.status < 300) {
        const stream = streamedBody(conn, head, (whole) => {
          signal?.removeEventListener("abort", onAbort);
          // bytes beyond the answer would be read as the next answer: such a connection is not reused
          if (whole && !head.closes && conn.available === 0 && !conn.closed) {
            this.release(req.url, conn);
          } else conn.close();
        }, () => (aborted && signal ? signal.reason : undefined));
        handedOut = true;
        return {
          status: head.status,
          statusText: head.statusText,
          headers: new AnswerHeaders(head.headers),
          body: null,
          stream,
        };
      }
      let bytes: Uint8Array | null = null;
      if (hasBody && limit.prefix) {
        // a prefix of the body as received; the rest is never read, so the connection ends here
        bytes = await readPrefix(conn, head, limit.bytes);
        head.closes = true;
      } else if (hasBody) {
        if (head.chunked) bytes = await readChunked(conn, limit.bytes);
        else if (head.contentLength !== undefined) {
          tooLarge(head.contentLength, limit.bytes, true);
          bytes = await readLength(conn, head.contentLength);
        } else {
          bytes = await readToEnd(conn, limit.bytes);
          head.closes = true;
        }
      }
      // bytes beyond the answer would be read as the next answer: such a connection is not reused
      reusable = !head.closes && conn.available === 0;
      if (bytes && head.encoding && !limit.prefix) {
        bytes = await decode(bytes, head.encoding, limit.bytes);
      }
      return {
        status: head.status,
        statusText: head.statusText,
        headers: new AnswerHeaders(head.headers),
        body: hasBody ? bytes as Uint8Array<ArrayBuffer> : null,
      };
    } catch (error) {
      if (aborted && signal) throw signal.reason;
      if (error instanceof NoAnswer) throw error;
      // no address or port in the message: it may reach a tenant
      throw new TypeError(`reading the answer to ${req.method} failed: ${message(error)}`, {
        cause: error,
      });
    } finally {
      // a streamed body's connection is released or closed when the stream ends
      if (!handedOut) {
        signal?.removeEventListener("abort", onAbort);
        if (reusable && !conn.closed) this.release(req.url, conn);
        else conn.close();
      }
    }
  }

  /**
   * A connection to the URL's origin, at an address net/egress.ts allows (checked for every connection,
   * so also for every redirect); TLS verifies the certificate against the URL's host name.
   */
  private async connect(url: URL, signal: AbortSignal | null | undefined): Promise<Connection> {
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const port = portOf(url);
    const opening = (async (): Promise<Deno.Conn> => {
      const addresses = await destinationsOf(url, this.egress);
      let tcp: Deno.TcpConn | undefined;
      let failure: unknown;
      for (const address of addresses) {
        signal?.throwIfAborted();
        try {
          tcp = await this.connectTcp({ hostname: address, port });
          break;
        } catch (error) {
          failure = error;
        }
      }
      if (!tcp) throw failure;
      if (url.protocol === "http:") {
        tcp.setNoDelay(true);
        return tcp;
      }
      const tls = await Deno.startTls(tcp, { hostname, caCerts: this.caCerts }).catch((error) => {
        tcp.close();
        throw error;
      });
      await tls.handshake().catch((error) => {
        tls.close();
        throw error;
      });
      return tls;
    })();
    let conn: Deno.Conn;
    try {
      conn = await abortable(opening, signal);
    } catch (error) {
      // a connection that opens after the caller gave up is closed at once
      if (signal?.aborted) opening.then((late) => late.close(), () => {});
      // no address or port in the message: it may reach a tenant
      throw new RequestNotSent(describeNetworkError(error), { cause: error });
    }
    const key = url.origin;
    return new Connection(conn, (dead) => this.forget(key, dead));
  }

  private takeIdle(url: URL): Connection | undefined {
    const list = this.idle.get(url.origin);
    const now = Date.now();
    while (list?.length) {
      const conn = list.pop()!;
      if (!conn.closed && now - conn.idleSince < this.idleMs) {
        conn.unpark();
        return conn;
      }
      conn.close();
    }
    return undefined;
  }

  private release(url: URL, conn: Connection): void {
    let list = this.idle.get(url.origin);
    if (!list) this.idle.set(url.origin, list = []);
    if (list.length >= this.maxIdle) {
      conn.close();
      return;
    }
    conn.park();
    list.push(conn);
    // the oldest idle connection (at the bottom) is closed once it is too old to be reused
    const oldest = list[0];
    if (oldest !== conn && Date.now() - oldest.idleSince >= this.idleMs) oldest.close();
  }

  private forget(key: string, conn: Connection): void {
    const list = this.idle.get(key);
    const at = list?.indexOf(conn) ?? -1;
    if (at >= 0) list!.splice(at, 1);
  }
}

/** The request sent, but the connection ended (or failed) before a complete answer head. */
class NoAnswer extends Error {
  constructor(cause?: unknown) {
    super(cause === undefined ? "the connection closed before an answer" : message(cause), {
      cause,
    });
  }
}

/** The promise, or the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function unwrap(error: unknown): unknown {
  if (!(error instanceof NoAnswer)) return error;
  return new TypeError(`no answer: ${error.message}`, { cause: error.cause });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function prepare(
  method: string,
  url: URL,
  headers: HeadersInit | undefined,
  body: BodyInit | null | undefined,
): Promise<Prepared> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`unsupported URL scheme: ${url.protocol}`);
  }
  if (!TOKEN.test(method)) throw new TypeError(`invalid method: ${method}`);
  const fields: [string, string][] = [];
  const seen = new Set<string>();
  for (const [name, value] of entries(headers)) {
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
      throw new TypeError(`invalid header: ${JSON.stringify(name)}`);
    }
    const lower = name.toLowerCase();
    if (lower === "host" || lower === "content-length" || lower === "transfer-encoding") continue;
    seen.add(lower);
    fields.push([name, value]);
  }
  const payload = await bodyBytes(body);
  if (payload?.type && !seen.has("content-type")) fields.push(["content-type", payload.type]);
  if (!seen.has("accept")) fields.push(["accept", "*/*"]);
  if (!seen.has("user-agent")) fields.push(["user-agent", "content-distribution/1"]);
  let text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of fields) text += `${name}: ${value.trim()}\r\n`;
  if (payload || method === "POST" || method === "PUT" || method === "PATCH") {
    text += `content-length: ${payload?.bytes.length ?? 0}\r\n`;
  }
  return { method, url, head: encoder.encode(text + "\r\n"), body: payload?.bytes };
}

function entries(headers: HeadersInit | undefined): Iterable<[string, string]> {
  if (!headers) return [];
  if (headers instanceof Headers) return headers.entries();
  if (Array.isArray(headers)) return headers as [string, string][];
  return Object.entries(headers as Record<string, string>);
}

function withoutCredentials(headers: HeadersInit | undefined): [string, string][] {
  return [...entries(headers)].filter(([name]) =>
    !["authorization", "cookie", "proxy-authorization"].includes(name.toLowerCase())
  );
}

/** The body's bytes and its default content-type, as fetch would send them. */
async function bodyBytes(
  body: BodyInit | null | undefined,
): Promise<{ bytes: Uint8Array; type?: string } | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") {
    return { bytes: encoder.encode(body), type: "text/plain;charset=UTF-8" };
  }
  if (body instanceof Uint8Array) return { bytes: body };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) {
    return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  }
  // URLSearchParams, Blob, FormData, streams: encoded the way fetch encodes them
  const encoded = new Response(body);
  const type = encoded.headers.get("content-type") ?? undefined;
  return { bytes: new Uint8Array(await encoded.arrayBuffer()), type };
}

/** Head and body in one write when small (one segment on the wire), else one after the other. */
async function writeRequest(conn: Connection, req: Prepared): Promise<void> {
  if (!req.body) return await conn.write(req.head);
  if (req.body.length > 65_536) {
    await conn.write(req.head);
    return await conn.write(req.body);
  }
  const all = new Uint8Array(req.head.length + req.body.length);
  all.set(req.head);
  all.set(req.body, req.head.length);
  await conn.write(all);
}

async function readHead(conn: Connection): Promise<Head> {
  let end = conn.findHeadEnd(0);
  while (end < 0) {
    const searched = Math.max(0, conn.available - 3);
    if (!(await conn.fill())) throw new NoAnswer();
    if (conn.available > 1_048_576) throw new TypeError("answer head larger than 1 MiB");
    end = conn.findHeadEnd(searched);
  }
  const lines = conn.takeText(end + 4).slice(0, end).split("\r\n");
  const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!status) throw new TypeError(`not an HTTP/1.x answer: ${JSON.stringify(lines[0])}`);
  const head: Head = {
    status: Number(status[2]),
    // a reason phrase fetch's Response would refuse (control characters) is dropped, not fatal
    statusText: (status[3] ?? "").replace(/[^\t\x20-\x7e\x80-\xff]/g, ""),
    headers: [],
    contentLength: undefined,
    chunked: false,
    closes: status[1] === "0",
    encoding: undefined,
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    if (colon <= 0) throw new TypeError(`malformed header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === "content-length") {
      const length = Number(value);
      if (!Number.isSafeInteger(length) || length < 0 || !/^\d+$/.test(value)) {
        throw new TypeError(`invalid content-length: ${value}`);
      }
      if (head.contentLength !== undefined && head.contentLength !== length) {
        throw new TypeError("conflicting content-length headers");
      }
      head.contentLength = length;
    } else if (lower === "transfer-encoding") {
      head.chunked = /(^|,)\s*chunked\s*$/i.test(value);
      if (!head.chunked) head.closes = true; // any other coding is read to the end
    } else if (lower === "connection") {
      const tokens = value.toLowerCase();
      if (/\bclose\b/.test(tokens)) head.closes = true;
      else if (status[1] === "0" && /\bkeep-alive\b/.test(tokens)) head.closes = false;
    } else if (lower === "content-encoding") {
      head.encoding = value.toLowerCase();
    }
    // the body below is already decoded
    if (lower !== "content-encoding" && lower !== "transfer-encoding") {
      if (TOKEN.test(name) && !BAD_VALUE.test(value)) head.headers.push([lower, value]);
    }
  }
  if (head.chunked) head.contentLength = undefined;
  // the body is handed out decoded: the length of its encoded form would mislead
  if (head.encoding && head.encoding !== "identity") {
    head.headers = head.headers.filter(([name]) => name !== "content-length");
  }
  return head;
}

/**
 * A 2xx answer's body read from `conn` as the stream is consumed (pulled a piece at a time, none read
 * ahead), decoded from its content coding. `done(true)` once the body was read to its end,
 * `done(false)` when it failed or was cancelled; `abortReason` is the caller's signal's reason, once
 * it aborted.
 */
function streamedBody(
  conn: Connection,
  head: Head,
  done: (whole: boolean) => void,
  abortReason: () => unknown,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  if (
    head.encoding && !["identity", "gzip", "x-gzip", "deflate"].includes(head.encoding)
  ) {
    throw new TypeError(`unsupported content-encoding: ${head.encoding}`);
  }
  const length = head.contentLength;
  let received = 0;
  let chunkLeft = 0;
  let chunks = 0;
  let finished = false;
  const finish = (whole: boolean) => {
    if (finished) return;
    finished = true;
    done(whole);
  };
  const cutOff = (what: string) => new TypeError(`the connection closed ${what}`);
  async function next(): Promise<Uint8Array<ArrayBuffer> | null> {
    if (length !== undefined) {
      if (received === length) return null;
      const piece = await conn.readSome(Math.min(STREAM_PIECE, length - received));
      if (piece === null) {
        throw cutOff(`after ${received} of the ${length} bytes of its Content-Length`);
      }
      return piece;
    }
    if (!head.chunked) {
      // read to the end of the connection
      head.closes = true;
      return await conn.readSome(STREAM_PIECE);
    }
    if (chunkLeft === 0) {
      if (chunks > 0 && (await readLine(conn)) !== "") {
        throw new TypeError("a chunk does not end with CRLF");
      }
      const sizeText = (await readLine(conn)).split(";")[0].trim();
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new TypeError(`invalid chunk size: ${sizeText}`);
      chunkLeft = parseInt(sizeText, 16);
      chunks++;
      if (chunkLeft === 0) {
        await skipTrailers(conn);
        return null;
      }
    }
    const piece = await conn.readSome(Math.min(STREAM_PIECE, chunkLeft));
    if (piece === null) throw cutOff(`inside a chunked body, after ${received} bytes`);
    chunkLeft -= piece.length;
    return piece;
  }
  const raw = new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      try {
        const piece = await next();
        if (piece === null) {
          finish(true);
          controller.close();
        } else {
          received += piece.length;
          controller.enqueue(piece);
        }
      } catch (error) {
        finish(false);
        controller.error(
          abortReason() ??
            new TypeError(`reading the answer's body failed: ${message(error)}`, { cause: error }),
        );
      }
    },
    cancel() {
      finish(false);
    },
  }, { highWaterMark: 0 });
  if (!head.encoding || head.encoding === "identity") return raw;
  const format = head.encoding === "deflate" ? "deflate" : "gzip";
  return raw.pipeThrough(new DecompressionStream(format)) as ReadableStream<
    Uint8Array<ArrayBuffer>
  >;
}

async function readLength(conn: Connection, length: number): Promise<Uint8Array> {
  if (length > LARGE_BODY) return await conn.readExactly(length);
  while (conn.available < length) {
    if (!(await conn.fill())) throw new TypeError("the connection closed inside the answer's body");
  }
  return conn.take(length);
}

async function readToEnd(conn: Connection, limit: number): Promise<Uint8Array> {
  while (await conn.fill()) tooLarge(conn.available, limit, false);
  return conn.take(conn.available);
}

/** `bytes` of the body (all of it when `exact`, else so far) over `limit`: AnswerTooLarge. */
function tooLarge(bytes: number, limit: number, exact: boolean): void {
  if (bytes <= limit) return;
  throw new AnswerTooLarge(
    `the answer's body is ${exact ? "" : "at least "}${bytes} bytes, more than the ${limit} ` +
      `this client holds in memory`,
  );
}

async function readLine(conn: Connection): Promise<string> {
  let end = conn.findLineEnd();
  while (end < 0) {
    if (!(await conn.fill())) throw new TypeError("the connection closed inside a chunked body");
    end = conn.findLineEnd();
  }
  const line = conn.takeText(end);
  conn.skip(2);
  return line;
}

/** A chunked body up to `limit` bytes: past it AnswerTooLarge, or (`prefix`) the first `limit`. */
async function readChunked(conn: Connection, limit: number, prefix = false): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const sizeText = (await readLine(conn)).split(";")[0].trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new TypeError(`invalid chunk size: ${sizeText}`);
    const size = parseInt(sizeText, 16);
    if (size === 0) break;
    if (prefix && total + size >= limit) {
      parts.push(await readLength(conn, limit - total));
      total = limit;
      break;
    }
    tooLarge(total + size, limit, false);
    parts.push(await readLength(conn, size));
    total += size;
    if ((await readLine(conn)) !== "") throw new TypeError("a chunk does not end with CRLF");
  }
  // trailers, ignored (a prefix cut inside the body has none to read)
  if (!prefix || total < limit) await skipTrailers(conn);
  if (parts.length === 1) return parts[0];
  return concatBytes(parts, total);
}

async function skipTrailers(conn: Connection): Promise<void> {
  while ((await readLine(conn)) !== "");
}

/**
 * A prefix of at most `limit` bytes of the body as received (chunk framing removed), for a caller
 * that reads no more; the connection is not reused after it.
 */
async function readPrefix(conn: Connection, head: Head, limit: number): Promise<Uint8Array> {
  if (head.chunked) return await readChunked(conn, limit, true);
  if (head.contentLength !== undefined) {
    return await readLength(conn, Math.min(head.contentLength, limit));
  }
  while (conn.available < limit && await conn.fill());
  return conn.take(Math.min(conn.available, limit));
}

/**
 * The body decoded from its content coding, counting decoded bytes as they come: past `limit` the
 * decoding stops with AnswerTooLarge (a small gzip body can expand a thousandfold).
 */
async function decode(bytes: Uint8Array, encoding: string, limit: number): Promise<Uint8Array> {
  if (encoding === "identity") return bytes;
  if (encoding !== "gzip" && encoding !== "x-gzip" && encoding !== "deflate") {
    throw new TypeError(`unsupported content-encoding: ${encoding}`);
  }
  const format = encoding === "deflate" ? "deflate" : "gzip";
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream(format),
  );
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        throw new AnswerTooLarge(
          `the answer's body decodes to more than the ${limit} bytes this client holds in memory`,
        );
      }
      parts.push(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (parts.length === 1) return parts[0];
  return concatBytes(parts, total);
}

/** The client every adapter shares (one connection pool for the process). */
export const http1 = new Http1Client();
