/**
 * Where outbound requests may go. Every request made for a tenant (platform APIs, token refreshes,
 * media fetches, webhook deliveries) goes through net/transport.ts, which asks `destinationsOf` before each
 * connection (the first and every redirect) and connects to the address vetted here, never to a name
 * resolved again later, so a DNS answer that changes between the check and the connection (rebinding)
 * cannot reach an internal address.
 *
 * The rule: a destination must resolve only to public unicast addresses. Loopback, private, link-local
 * (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved, documentation and benchmarking
 * ranges are refused, in IPv4 and IPv6, also when embedded in IPv6 (v4-mapped, NAT64, 6to4).
 *
 * The exception is the operator's allow-list, EGRESS_ALLOWED_HOSTS: a comma-separated list of
 * `host`, `host:port`, `[v6]`, `[v6]:port` or `*.domain` entries, set as a function secret
 * (`supabase secrets set EGRESS_ALLOWED_HOSTS=...`), which only the project's operator (service role)
 * can set. A listed host is reached whatever it resolves to. The local stack lists the loopback
 * emulators (dev/lib.sh); production lists nothing unless the operator decides otherwise.
 */

/** What kind of address an IP is; only "public" may be reached without the allow-list. */
export type AddressClass =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "cgnat"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "documentation"
  | "benchmarking"
  | "protocol"
  | "invalid";

/** Words for a refusal (shown to tenants: it never names the address itself). */
const CLASS_WORDS: Record<Exclude<AddressClass, "public">, string> = {
  unspecified: "an unspecified address",
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  metadata: "a cloud metadata address",
  cgnat: "a shared (CGNAT) address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
  reserved: "a reserved address",
  documentation: "a documentation address",
  benchmarking: "a benchmarking address",
  protocol: "a protocol-assignment address",
  invalid: "an invalid address",
};

/** A request refused by the egress rules; nothing was sent. The message is safe to show a tenant. */
export class DestinationNotAllowed extends Error {
  override name = "DestinationNotAllowed";
}

/** The four bytes of a dotted-quad IPv4 address, or undefined. */
export function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** The eight 16-bit groups of an IPv6 address (a zone id is dropped), or undefined. */
export function parseIpv6(text: string): number[] | undefined {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  // a dotted tail is only allowed at the very end
  if (halves.length === 2 && halves[0].includes(".")) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array(missing).fill(0), ...tail];
}

function inV4(b: number[], net: [number, number, number, number], bits: number): boolean {
  const value = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const base = ((net[0] << 24) | (net[1] << 16) | (net[2] << 8) | net[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((value & mask) >>> 0) === ((base & mask) >>> 0);
}

/** The class of an IPv4 address given as bytes. */
function classifyV4(b: number[]): AddressClass {
  if (inV4(b, [169, 254, 169, 254], 32)) return "metadata";
  if (inV4(b, [100, 100, 100, 200], 32)) return "metadata"; // Alibaba Cloud
  if (inV4(b, [255, 255, 255, 255], 32)) return "broadcast";
  if (inV4(b, [0, 0, 0, 0], 8)) return "unspecified";
  if (inV4(b, [10, 0, 0, 0], 8)) return "private";
  if (inV4(b, [100, 64, 0, 0], 10)) return "cgnat";
  if (inV4(b, [127, 0, 0, 0], 8)) return "loopback";
  if (inV4(b, [169, 254, 0, 0], 16)) return "link-local";
  if (inV4(b, [172, 16, 0, 0], 12)) return "private";
  if (inV4(b, [192, 0, 0, 0], 24)) return "protocol";
  if (inV4(b, [192, 0, 2, 0], 24)) return "documentation";
  if (inV4(b, [192, 88, 99, 0], 24)) return "reserved"; // 6to4 relay anycast
  if (inV4(b, [192, 168, 0, 0], 16)) return "private";
  if (inV4(b, [198, 18, 0, 0], 15)) return "benchmarking";
  if (inV4(b, [198, 51, 100, 0], 24)) return "documentation";
  if (inV4(b, [203, 0, 113, 0], 24)) return "documentation";
  if (inV4(b, [224, 0, 0, 0], 4)) return "multicast";
  if (inV4(b, [240, 0, 0, 0], 4)) return "reserved";
  return "public";
}

/** The IPv4 address in groups g[i], g[i+1]. */
function v4At(g: number[], i: number): number[] {
  return [g[i] >> 8, g[i] & 0xff, g[i + 1] >> 8, g[i + 1] & 0xff];
}

/** The class of an IPv6 address given as groups; embedded IPv4 addresses are classified as IPv4. */
function classifyV6(g: number[]): AddressClass {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return "unspecified";
  if (zeros(0, 7) && g[7] === 1) return "loopback";
  // ::ffff:a.b.c.d (v4-mapped) is a.b.c.d on a dual-stack socket
  if (zeros(0, 5) && g[5] === 0xffff) return classifyV4(v4At(g, 6));
  // ::a.b.c.d (v4-compatible, deprecated) and ::ffff:0:a.b.c.d (SIIT): never a public destination
  if (zeros(0, 6) || (zeros(0, 4) && g[4] === 0xffff && g[5] === 0)) return "reserved";
  // 64:ff9b::/96: NAT64 to the embedded IPv4 address
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return classifyV4(v4At(g, 6));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "private"; // local-use NAT64
  if (g[0] === 0x100 && zeros(1, 4)) return "reserved"; // discard-only 100::/64
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "documentation";
  if (g[0] === 0x2001 && g[1] < 0x200) return "protocol"; // 2001::/23, Teredo included
  // 2002::/16: 6to4, reaching the IPv4 address in groups 1-2
  if (g[0] === 0x2002) return classifyV4(v4At(g, 1));
  if (g[0] === 0xfd00 && g[1] === 0xec2 && zeros(2, 7) && g[7] === 0x254) return "metadata"; // AWS
  if ((g[0] & 0xfe00) === 0xfc00) return "private"; // fc00::/7 unique local
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xffc0) === 0xfec0) return "private"; // site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return "multicast";
  // only 2000::/3 is global unicast
  if ((g[0] & 0xe000) !== 0x2000) return "reserved";
  return "public";
}

/** The class of an IP address (IPv4 dotted quad, or IPv6 with or without brackets). */
export function classifyAddress(address: string): AddressClass {
  const v4 = parseIpv4(address);
  if (v4) return classifyV4(v4);
  const v6 = parseIpv6(address);
  if (v6) return classifyV6(v6);
  return "invalid";
}

/** Whether the text is an IP address literal (not a name to resolve). */
export function isIpLiteral(host: string): boolean {
  return parseIpv4(host) !== undefined || parseIpv6(host) !== undefined;
}

/** Why an address may not be reached (for tenants: it never names the address), or undefined. */
export function refusalFor(address: string): string | undefined {
  const kind = classifyAddress(address);
  if (kind === "public") return undefined;
  return `destination not allowed: it resolves to ${CLASS_WORDS[kind]}`;
}

// ---------------------------------------------------------------------------------------------
// The operator's allow-list

export interface AllowEntry {
  /** Lower-case host name or IP (IPv6 without brackets); `*.example.com` matches subdomains. */
  host: string;
  /** The only port allowed, or undefined for any. */
  port?: number;
}

/** Host names compared as the URL parser writes them: lower case, IPv6 without brackets. */
function normalHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, "");
  return lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
}

/** The entries of an EGRESS_ALLOWED_HOSTS value; malformed entries are dropped (fail closed). */
export function parseAllowList(text: string | undefined): AllowEntry[] {
  const entries: AllowEntry[] = [];
  for (const raw of (text ?? "").split(/[\s,]+/)) {
    const entry = raw.trim();
    if (entry === "") continue;
    const wildcard = entry.startsWith("*.");
    try {
      const url = new URL(`http://${wildcard ? entry.slice(2) : entry}`);
      if (url.pathname !== "/" || url.username || url.search || url.hash) continue;
      const explicitPort = /:(\d+)$/.exec(entry)?.[1];
      entries.push({
        host: (wildcard ? "*." : "") + normalHost(url.hostname),
        port: explicitPort === undefined ? undefined : Number(explicitPort),
      });
    } catch {
      // not a host: ignored
    }
  }
  return entries;
}

/** The port a URL connects to. */
export function portOf(url: URL): number {
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

/** Whether the URL's host (and port) is on the allow-list. */
export function isAllowListed(url: URL, list: readonly AllowEntry[]): boolean {
  const host = normalHost(url.hostname);
  const port = portOf(url);
  return list.some((entry) => {
    if (entry.port !== undefined && entry.port !== port) return false;
    if (entry.host.startsWith("*.")) return host.endsWith(entry.host.slice(1));
    return entry.host === host;
  });
}

let cachedText: string | undefined;
let cachedList: AllowEntry[] = [];

/** The operator's allow-list from the environment (EGRESS_ALLOWED_HOSTS), parsed once per value. */
export function operatorAllowList(): AllowEntry[] {
  let text: string | undefined;
  try {
    text = Deno.env.get("EGRESS_ALLOWED_HOSTS");
  } catch {
    text = undefined; // no permission to read the environment: nothing is allowed beyond the rules
  }
  if (text !== cachedText) {
    cachedText = text;
    cachedList = parseAllowList(text);
  }
  return cachedList;
}

// ---------------------------------------------------------------------------------------------
// Deciding a destination

/** Resolves a host name to its IP addresses (A and AAAA). */
export type Resolver = (hostname: string) => Promise<string[]>;

/** The system resolver: A and AAAA records; a name with neither fails. */
export const dnsResolver: Resolver = async (hostname) => {
  const [a, aaaa] = await Promise.allSettled([
    Deno.resolveDns(hostname, "A"),
    Deno.resolveDns(hostname, "AAAA"),
  ]);
  const addresses = [
    ...(a.status === "fulfilled" ? a.value : []),
    ...(aaaa.status === "fulfilled" ? aaaa.value : []),
  ];
  if (addresses.length === 0) {
    throw new DestinationUnresolved("the destination's host name does not resolve");
  }
  return addresses;
};

/** The destination's name has no address; nothing was sent. */
export class DestinationUnresolved extends Error {
  override name = "DestinationUnresolved";
}

export interface EgressPolicy {
  /** Hosts reached whatever they resolve to (the operator's allow-list). */
  allowList: () => readonly AllowEntry[];
  resolve: Resolver;
}

/** The production policy: the environment's allow-list and the system resolver. */
export const defaultEgressPolicy: EgressPolicy = {
  allowList: operatorAllowList,
  resolve: dnsResolver,
};

/** Host names that are internal by definition, refused without asking DNS. */
const INTERNAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/;

/**
 * The addresses (or, for an allow-listed host, the host name itself) to connect to for `url`;
 * throws DestinationNotAllowed when the URL may not be requested. Every address a name resolves to
 * must be public: one internal answer refuses the whole name.
 */
export async function destinationsOf(url: URL, policy: EgressPolicy): Promise<string[]> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DestinationNotAllowed(`destination not allowed: the scheme ${url.protocol}`);
  }
  const host = normalHost(url.hostname);
  if (isAllowListed(url, policy.allowList())) return [host];
  if (isIpLiteral(host)) {
    const refusal = refusalFor(host);
    if (refusal) throw new DestinationNotAllowed(refusal);
    return [host];
  }
  if (INTERNAL_NAMES.test(host) || !host.includes(".")) {
    throw new DestinationNotAllowed("destination not allowed: an internal host name");
  }
  const addresses = await policy.resolve(host);
  if (addresses.length === 0) {
    throw new DestinationUnresolved("the destination's host name does not resolve");
  }
  for (const address of addresses) {
    const refusal = refusalFor(address);
    if (refusal) throw new DestinationNotAllowed(refusal);
  }
  return addresses.map(normalHost);
}

/**
 * An outbound error in words a tenant may read: what happened, never an internal address, port or
 * host name. The full error stays in the function log.
 */
export function describeNetworkError(error: unknown): string {
  if (error instanceof DestinationNotAllowed || error instanceof DestinationUnresolved) {
    return error.message;
  }
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 5; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  for (const e of chain) {
    if (e instanceof DestinationNotAllowed || e instanceof DestinationUnresolved) return e.message;
  }
  const names = chain.map((e) => (e instanceof Error ? e.name : "")).join(" ");
  const text = chain.map((e) => (e instanceof Error ? e.message : String(e))).join(" ");
  if (/AnswerTooLarge/.test(names)) return "the destination's answer is larger than allowed";
  if (/TimeoutError|AbortError/.test(names) || /timed out|timeout/i.test(text)) {
    return "no answer before the timeout";
  }
  if (/ConnectionRefused/.test(names) || /connection refused|ECONNREFUSED/i.test(text)) {
    return "connection refused by the destination";
  }
  if (/ConnectionReset|BrokenPipe/.test(names) || /reset|broken pipe/i.test(text)) {
    return "connection reset by the destination";
  }
  if (/certificate/i.test(text)) return "TLS failed: the destination's certificate is not trusted";
  if (/tls|handshake|InvalidData/i.test(`${names} ${text}`)) {
    return "TLS handshake with the destination failed";
  }
  if (/dns|lookup|resolve|ENOTFOUND|NotFound/i.test(`${names} ${text}`)) {
    return "the destination's host name does not resolve";
  }
  if (/unreachable|NetworkUnreachable|HostUnreachable/i.test(`${names} ${text}`)) {
    return "the destination is unreachable";
  }
  if (/closed|no answer|end of stream|UnexpectedEof/i.test(text)) {
    return "the destination closed the connection before a complete answer";
  }
  if (
    /not an HTTP|malformed|invalid (chunk|content-length|header)|conflicting|unsupported content-encoding|larger than 1 MiB/i
      .test(text)
  ) {
    return "the destination's answer is not valid HTTP";
  }
  return "the connection to the destination failed";
}
