/**
 * The hosts each platform kind's API lives on. A platform row's configured API URLs
 * (`publish_config.base_url`, `token_url`, podcast `hosting.base_url`) must be HTTPS on one of its
 * kind's hosts, unless the host is on the operator's allow-list (EGRESS_ALLOWED_HOSTS, net/egress.ts:
 * the local stack lists its loopback emulators there). So a member who edits `base_url` cannot send
 * the platform's credentials to a server of their own. WordPress sites are the customers' own hosts:
 * any public host is allowed (the transport still refuses internal addresses).
 * A refused row fails that platform's posts with the message below, never the run.
 */
import { isAllowListed, isIpLiteral, operatorAllowList, refusalFor } from "../net/egress.ts";
import type { AllowEntry } from "../net/egress.ts";
import type { PlatformKind, PlatformRow } from "../adapters/types.ts";

type HostRule = string | RegExp;

/** Each kind's API hosts (production). */
export const API_HOSTS: Readonly<Record<PlatformKind, readonly HostRule[] | "any public host">> = {
  x: ["api.x.com", "api.twitter.com", "upload.twitter.com"],
  linkedin: ["api.linkedin.com", "www.linkedin.com"],
  youtube: ["www.googleapis.com", "oauth2.googleapis.com", "youtube.googleapis.com"],
  instagram: ["graph.facebook.com", "graph.instagram.com"],
  tiktok: ["open.tiktokapis.com"],
  // <dc>.api.mailchimp.com (the data centre ends the API key: us14) and the OAuth host
  email: [/^[a-z]+\d+\.api\.mailchimp\.com$/, "login.mailchimp.com"],
  // the Transistor-shaped hosting API (podcast.ts)
  podcast: ["api.transistor.fm"],
  wordpress: "any public host",
};

/** A platform row's API URL goes where its kind's API is not. */
export class ApiHostNotAllowed extends Error {
  override name = "ApiHostNotAllowed";
}

/** The configured API URLs of a row, by the field a member wrote. */
function apiUrls(platform: PlatformRow): [string, unknown][] {
  const config = platform.publish_config as Record<string, unknown>;
  const urls: [string, unknown][] = [
    ["publish_config.base_url", config.base_url],
    ["publish_config.token_url", config.token_url],
  ];
  const hosting = config.hosting;
  if (hosting && typeof hosting === "object" && !Array.isArray(hosting)) {
    urls.push(["publish_config.hosting.base_url", (hosting as Record<string, unknown>).base_url]);
  }
  return urls.filter(([, value]) => value !== undefined && value !== null);
}

function matches(rule: HostRule, host: string): boolean {
  return typeof rule === "string" ? rule === host : rule.test(host);
}

/** Why `value` may not be this kind's API URL, or undefined when it may. */
export function apiUrlRefusal(
  kind: PlatformKind,
  field: string,
  value: unknown,
  allowList: readonly AllowEntry[] = operatorAllowList(),
): string | undefined {
  if (typeof value !== "string") return `${field}: must be a URL`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field}: must be a URL`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `${field}: must be an http(s) URL`;
  }
  if (isAllowListed(url, allowList)) return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const rules = API_HOSTS[kind];
  if (rules === "any public host") {
    const refusal = isIpLiteral(host) ? refusalFor(host) : undefined;
    return refusal ? `${field}: ${refusal}` : undefined;
  }
  const known = rules.some((rule) => matches(rule, host));
  if (known && url.protocol === "https:" && (url.port === "" || url.port === "443")) {
    return undefined;
  }
  const names = rules.map((r) => (typeof r === "string" ? r : "<dc>.api.mailchimp.com"));
  return `${field}: a ${kind} platform sends requests only over HTTPS to ${names.join(", ")}; ` +
    `${url.protocol}//${url.host} is not one of them (the operator's EGRESS_ALLOWED_HOSTS setting ` +
    `can allow another host)`;
}

/** Every configured API URL of the row must be its kind's; else ApiHostNotAllowed naming the field. */
export function assertApiHosts(
  platform: PlatformRow,
  allowList: readonly AllowEntry[] = operatorAllowList(),
): void {
  const refusals = apiUrls(platform)
    .map(([field, value]) => apiUrlRefusal(platform.kind, field, value, allowList))
    .filter((r): r is string => r !== undefined);
  if (refusals.length) throw new ApiHostNotAllowed(refusals.join("; "));
}
