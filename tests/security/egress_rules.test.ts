// The egress rules as pure functions: which addresses are internal (IPv4, IPv6 and IPv4 embedded in
// IPv6), the operator's allow-list, the destination decision with a fake resolver (no DNS, no packets),
// the per-kind API hosts, and error words that never name an address or port.
import assert from "node:assert/strict";
import {
  type AddressClass,
  classifyAddress,
  describeNetworkError,
  DestinationNotAllowed,
  destinationsOf,
  type EgressPolicy,
  isAllowListed,
  parseAllowList,
  parseIpv6,
} from "../../supabase/functions/_shared/net/egress.ts";
import {
  ApiHostNotAllowed,
  apiUrlRefusal,
  assertApiHosts,
} from "../../supabase/functions/_shared/platforms/api-hosts.ts";
import { RequestNotSent } from "../../supabase/functions/_shared/net/transport.ts";
import { EmailAdapter } from "../../supabase/functions/_shared/adapters/email.ts";
import type { PlatformKind, PlatformRow } from "../../supabase/functions/_shared/adapters/types.ts";

const ADDRESSES: [string, AddressClass][] = [
  // IPv4
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["127.0.0.1", "loopback"],
  ["127.255.0.9", "loopback"],
  ["172.16.0.1", "private"],
  ["172.31.255.254", "private"],
  ["172.15.255.255", "public"],
  ["172.32.0.1", "public"],
  ["192.168.1.1", "private"],
  ["169.254.0.1", "link-local"],
  ["169.254.169.254", "metadata"],
  ["100.100.100.200", "metadata"],
  ["100.64.0.1", "cgnat"],
  ["100.127.255.255", "cgnat"],
  ["100.63.255.255", "public"],
  ["100.128.0.0", "public"],
  ["192.0.0.1", "protocol"],
  ["192.0.0.192", "protocol"],
  ["192.0.2.5", "documentation"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.9", "documentation"],
  ["198.18.0.1", "benchmarking"],
  ["198.19.255.255", "benchmarking"],
  ["198.20.0.1", "public"],
  ["192.88.99.1", "reserved"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["240.0.0.1", "reserved"],
  ["255.255.255.254", "reserved"],
  ["255.255.255.255", "broadcast"],
  ["8.8.8.8", "public"],
  ["93.184.216.34", "public"],
  ["1.1.1.1", "public"],
  // IPv6
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["[::1]", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.1.2.3", "private"],
  ["::ffff:169.254.169.254", "metadata"],
  ["::ffff:8.8.8.8", "public"],
  ["::127.0.0.1", "reserved"],
  ["::8.8.8.8", "reserved"],
  ["::ffff:0:10.0.0.1", "reserved"],
  ["64:ff9b::10.0.0.1", "private"],
  ["64:ff9b::7f00:1", "loopback"],
  ["64:ff9b::a9fe:a9fe", "metadata"],
  ["64:ff9b::8.8.8.8", "public"],
  ["64:ff9b:1::1", "private"],
  ["2002:7f00:1::", "loopback"],
  ["2002:0a00:0001::1", "private"],
  ["2002:0808:0808::1", "public"],
  ["2001::1", "protocol"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "protocol"],
  ["2001:db8::1", "documentation"],
  ["100::1", "reserved"],
  ["fc00::1", "private"],
  ["fd12:3456:789a::1", "private"],
  ["fd00:ec2::254", "metadata"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["febf::1", "link-local"],
  ["fec0::1", "private"],
  ["ff02::1", "multicast"],
  ["ff05::1:3", "multicast"],
  ["4000::1", "reserved"],
  ["2606:4700:4700::1111", "public"],
  ["2a00:1450:4001:80e::200e", "public"],
  // not addresses
  ["localhost", "invalid"],
  ["256.0.0.1", "invalid"],
  ["1.2.3", "invalid"],
  [":::1", "invalid"],
  ["1::2::3", "invalid"],
  ["12345::1", "invalid"],
];

for (const [address, expected] of ADDRESSES) {
  Deno.test(`egress rules: ${address} is ${expected}`, () => {
    assert.equal(classifyAddress(address), expected);
  });
}

Deno.test("egress rules: IPv6 parsing expands :: and a dotted tail", () => {
  assert.deepEqual(parseIpv6("1::2"), [1, 0, 0, 0, 0, 0, 0, 2]);
  assert.deepEqual(parseIpv6("::ffff:1.2.3.4"), [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  assert.equal(parseIpv6("1:2:3:4:5:6:7:8:9"), undefined);
  assert.equal(parseIpv6("1.2.3.4::"), undefined);
});

Deno.test("egress rules: the allow-list takes hosts, ports, IPv6 and wildcards; junk is dropped", () => {
  const list = parseAllowList(
    " 127.0.0.1, localhost:8080 [::1] *.emulators.test,bad/entry,, user@host.test, x.test:99999",
  );
  assert.deepEqual(list, [
    { host: "127.0.0.1", port: undefined },
    { host: "localhost", port: 8080 },
    { host: "::1", port: undefined },
    { host: "*.emulators.test", port: undefined },
  ]);
  const allowed = (url: string) => isAllowListed(new URL(url), list);
  assert.equal(allowed("http://127.0.0.1:54330/x"), true);
  assert.equal(allowed("http://127.0.0.2:54330/x"), false);
  assert.equal(allowed("http://LOCALHOST:8080/"), true);
  assert.equal(allowed("http://localhost:8081/"), false);
  assert.equal(allowed("http://[::1]:9/"), true);
  assert.equal(allowed("https://a.emulators.test/"), true);
  assert.equal(allowed("https://emulators.test/"), false);
  assert.equal(allowed("https://a.emulators.test.evil.example/"), false);
  assert.deepEqual(parseAllowList(undefined), []);
  assert.deepEqual(parseAllowList(""), []);
});

/** A policy whose resolver answers from a table and records every name it is asked. */
function fakePolicy(table: Record<string, string[]>, allow = "") {
  const asked: string[] = [];
  const policy: EgressPolicy = {
    allowList: () => parseAllowList(allow),
    resolve: (name) => {
      asked.push(name);
      const answer = table[name];
      return answer ? Promise.resolve(answer) : Promise.reject(new Error(`no such name ${name}`));
    },
  };
  return { policy, asked };
}

async function refusal(url: string, policy: EgressPolicy): Promise<string> {
  const error = await destinationsOf(new URL(url), policy).then(() => undefined, (e) => e);
  assert.ok(error instanceof DestinationNotAllowed, `${url}: ${error}`);
  return error.message;
}

Deno.test("egress rules: literal internal addresses are refused without asking DNS", async () => {
  const { policy, asked } = fakePolicy({});
  for (
    const url of [
      "http://127.0.0.1:54322/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]/",
      "http://[::ffff:10.0.0.1]/",
      "http://[64:ff9b::a00:1]/",
      "http://0.0.0.0/",
      "http://2130706433/", // the URL parser reads 127.0.0.1
      "http://0x7f.1/",
      "http://10.1/",
      "https://[fe80::1]/",
    ]
  ) {
    const message = await refusal(url, policy);
    assert.match(message, /^destination not allowed: it resolves to an? /);
    assert.doesNotMatch(
      message,
      /\d+\.\d+\.\d+\.\d+|::|:\d+/,
      "the message names no address or port",
    );
  }
  assert.deepEqual(asked, []);
});

Deno.test("egress rules: internal host names are refused without asking DNS", async () => {
  const { policy, asked } = fakePolicy({});
  for (
    const url of [
      "http://localhost/",
      "http://api.localhost/",
      "http://metadata.google.internal/",
      "http://intranet/",
    ]
  ) {
    assert.match(await refusal(url, policy), /internal host name/);
  }
  assert.deepEqual(asked, []);
});

Deno.test("egress rules: a name is refused when any address it resolves to is internal", async () => {
  const { policy } = fakePolicy({
    "inside.example": ["10.0.0.1"],
    "mixed.example": ["93.184.216.34", "192.168.0.10"],
    "v6.example": ["2606:4700:4700::1111", "fd00::1"],
    "meta.example": ["169.254.169.254"],
  });
  assert.match(await refusal("https://inside.example/", policy), /a private address/);
  assert.match(await refusal("https://mixed.example/", policy), /a private address/);
  assert.match(await refusal("https://v6.example/", policy), /a private address/);
  assert.match(await refusal("https://meta.example/", policy), /a cloud metadata address/);
});

Deno.test("egress rules: a public name gives the addresses to connect to; the allow-list skips the check", async () => {
  const { policy, asked } = fakePolicy(
    { "api.example": ["93.184.216.34", "2606:4700:4700::1111"] },
    "127.0.0.1,emulator.test:8443",
  );
  assert.deepEqual(await destinationsOf(new URL("https://api.example/x"), policy), [
    "93.184.216.34",
    "2606:4700:4700::1111",
  ]);
  assert.deepEqual(await destinationsOf(new URL("http://127.0.0.1:54330/"), policy), ["127.0.0.1"]);
  assert.deepEqual(await destinationsOf(new URL("https://emulator.test:8443/"), policy), [
    "emulator.test",
  ]);
  // the allow-listed host on another port is checked like any other host
  await assert.rejects(destinationsOf(new URL("https://emulator.test:9443/"), policy));
  assert.deepEqual(asked, ["api.example", "emulator.test"]);
  assert.match(await refusal("ftp://api.example/", policy), /scheme/);
});

Deno.test("egress rules: network errors are described without addresses or ports", () => {
  const cases: [unknown, RegExp][] = [
    [
      new RequestNotSent("x", {
        cause: Object.assign(new Error("Connection refused (os error 111) 127.0.0.1:54322"), {
          name: "ConnectionRefused",
        }),
      }),
      /^connection refused by the destination$/,
    ],
    [new TypeError("connecting to 10.0.0.1:5432 failed: connection reset"), /^connection reset/],
    [new DOMException("Signal timed out.", "TimeoutError"), /^no answer before the timeout$/],
    [
      new Error("invalid peer certificate: UnknownIssuer for 10.0.0.1"),
      /certificate is not trusted/,
    ],
    [new Error("dns error: failed to lookup address information"), /does not resolve/],
    [
      new Error("something at 192.168.1.1:8080 happened"),
      /^the connection to the destination failed$/,
    ],
    [
      new RequestNotSent("y", { cause: new DestinationNotAllowed("destination not allowed: x") }),
      /^destination not allowed: x$/,
    ],
  ];
  for (const [error, expected] of cases) {
    const text = describeNetworkError(error);
    assert.match(text, expected, String(error));
    assert.doesNotMatch(text, /\d+\.\d+\.\d+\.\d+|:\d{2,5}/);
  }
});

function row(kind: PlatformKind, publish_config: Record<string, unknown>): PlatformRow {
  return {
    id: "p",
    client_id: "c",
    kind,
    name: "n",
    publish_config,
    credentials_secret_id: null,
  };
}

const PRODUCTION_URLS: [PlatformKind, string, string][] = [
  ["x", "base_url", "https://api.x.com"],
  ["x", "base_url", "https://api.twitter.com/"],
  ["x", "base_url", "https://upload.twitter.com"],
  ["linkedin", "base_url", "https://api.linkedin.com"],
  ["linkedin", "token_url", "https://www.linkedin.com/oauth/v2/accessToken"],
  ["youtube", "base_url", "https://www.googleapis.com"],
  ["youtube", "base_url", "https://youtube.googleapis.com"],
  ["youtube", "token_url", "https://oauth2.googleapis.com/token"],
  ["instagram", "base_url", "https://graph.facebook.com"],
  ["instagram", "base_url", "https://graph.instagram.com"],
  ["tiktok", "base_url", "https://open.tiktokapis.com"],
  ["email", "base_url", "https://us14.api.mailchimp.com/3.0"],
  ["email", "token_url", "https://login.mailchimp.com/oauth2/token"],
  ["wordpress", "base_url", "https://blog.customer.example"],
  ["wordpress", "base_url", "http://blog.customer.example:8080"],
];

for (const [kind, field, url] of PRODUCTION_URLS) {
  Deno.test(`egress api hosts: ${kind} may use ${url} as ${field}`, () => {
    assert.equal(apiUrlRefusal(kind, `publish_config.${field}`, url, []), undefined);
    assertApiHosts(row(kind, { [field]: url }), []);
  });
}

const FOREIGN_URLS: [PlatformKind, string, string][] = [
  ["x", "base_url", "https://attacker.example"],
  ["x", "base_url", "http://api.x.com"], // not HTTPS
  ["x", "base_url", "https://api.x.com:8443"],
  ["x", "base_url", "https://api.x.com.attacker.example"],
  ["linkedin", "token_url", "https://attacker.example/token"],
  ["linkedin", "base_url", "https://api.x.com"], // another kind's host
  ["youtube", "token_url", "https://oauth2.googleapis.com.attacker.example/token"],
  ["instagram", "base_url", "https://graph.facebook.com@attacker.example"],
  ["tiktok", "base_url", "https://open-tiktokapis.com"],
  ["email", "base_url", "https://api.mailchimp.com.attacker.example/3.0"],
  ["email", "base_url", "https://evil.api.mailchimp.com/3.0"],
  ["podcast", "hosting.base_url", "https://transistor.attacker.example"],
  ["wordpress", "base_url", "http://169.254.169.254/"],
  ["wordpress", "base_url", "http://10.0.0.5/"],
];

for (const [kind, field, url] of FOREIGN_URLS) {
  Deno.test(`egress api hosts: ${kind} may not use ${url} as ${field}`, () => {
    const config = field === "hosting.base_url"
      ? { hosting: { base_url: url, show_id: "s" } }
      : { [field]: url };
    assert.throws(
      () => assertApiHosts(row(kind, config), []),
      (e: Error) =>
        e instanceof ApiHostNotAllowed && e.message.startsWith(`publish_config.${field}: `),
    );
    // the operator's allow-list admits it
    const host = new URL(url).host;
    assertApiHosts(row(kind, config), parseAllowList(host));
  });
}

Deno.test("egress api hosts: the message names the field, the kind's hosts and the setting", () => {
  const message = apiUrlRefusal("tiktok", "publish_config.base_url", "https://evil.example", []);
  assert.equal(
    message,
    "publish_config.base_url: a tiktok platform sends requests only over HTTPS to " +
      "open.tiktokapis.com; https://evil.example is not one of them (the operator's " +
      "EGRESS_ALLOWED_HOSTS setting can allow another host)",
  );
  assert.equal(
    apiUrlRefusal("x", "publish_config.base_url", 42, []),
    "publish_config.base_url: must be a URL",
  );
});

Deno.test("egress api hosts: a Mailchimp API key's data centre cannot move the API host", () => {
  assert.throws(
    () => new EmailAdapter(row("email", {}), { api_key: "0123abcd-attacker.example/x?" }),
    (e: Error) => e instanceof ApiHostNotAllowed && /credentials\.api_key/.test(e.message),
  );
  assert.throws(
    () => new EmailAdapter(row("email", {}), { api_key: "0123abcd-us1@attacker.example" }),
    ApiHostNotAllowed,
  );
  // a plain data centre builds (no request is made)
  new EmailAdapter(row("email", {}), { api_key: "0123abcd-us14" });
});
