/**
 * The one HTTP error classifier every adapter uses: status + headers + body -> failure class.
 *
 * Order: a platform rule that matches the body wins; then 429 -> rate_limited (reset from
 * `x-rate-limit-reset` unix seconds, `Retry-After`, else the platform's default reset policy);
 * 401 -> auth; 408 and 5xx -> transient; other 4xx -> permanent.
 * No answer at all is a network error (transient; outcome unknown for a write that may have arrived).
 * Platform differences are data (an ErrorProfile), not code.
 */
import type { ErrorClass, Failure, FailureOutcome } from "../adapters/types.ts";
import { nextMidnight } from "../adapters/zoned-time.ts";
import { describeNetworkError } from "./egress.ts";
import type { HeaderReader } from "./transport.ts";

/** When a rate limit lifts if the response does not say. */
export type ResetPolicy =
  | { kind: "after"; seconds: number }
  | { kind: "midnight"; timeZone: string };

/** A declarative rule: "when the body has VALUE at PATH (and the status is one of ...), it is X". */
export interface ClassifierRule {
  status?: number | readonly number[];
  /** Dotted path into the JSON body; `*` walks every element of an array. */
  path: string;
  /** Exact match (string or number), or a case-insensitive substring. */
  equals?: string | number;
  includes?: string;
  errorClass: ErrorClass;
  /** For `rate_limited` rules: when it lifts (defaults to the profile's `rateLimitReset`). */
  reset?: ResetPolicy;
}

export interface ErrorProfile {
  platform: string;
  /** Where the platform puts its human message, first match wins. */
  messagePaths: readonly string[];
  /** Where it puts its machine code (kept as `platformCode`). */
  codePaths: readonly string[];
  rules: readonly ClassifierRule[];
  /** Reset for a 429 (or a rate-limit rule) without headers. */
  rateLimitReset: ResetPolicy;
}

export interface HttpAnswer {
  status: number;
  headers: HeaderReader;
  /** Parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  text: string;
}

export interface ClassifyContext {
  method: string;
  now: Date;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** Values found at a dotted path; `*` fans out over arrays. */
export function valuesAt(body: unknown, path: string): unknown[] {
  let current: unknown[] = [body];
  for (const key of path.split(".")) {
    const next: unknown[] = [];
    for (const value of current) {
      if (key === "*" && Array.isArray(value)) next.push(...value);
      else if (value !== null && typeof value === "object" && key in value) {
        next.push((value as Record<string, unknown>)[key]);
      }
    }
    current = next;
  }
  return current.filter((v) => v !== undefined && v !== null);
}

function firstScalar(body: unknown, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const hit = valuesAt(body, path).find((v) => typeof v === "string" || typeof v === "number");
    if (hit !== undefined && String(hit).length > 0) return String(hit);
  }
  return undefined;
}

function ruleMatches(rule: ClassifierRule, answer: HttpAnswer): boolean {
  if (rule.status !== undefined) {
    const statuses: readonly number[] = typeof rule.status === "number"
      ? [rule.status]
      : rule.status;
    if (!statuses.includes(answer.status)) return false;
  }
  const values = valuesAt(answer.body, rule.path);
  return values.some((v) => {
    if (rule.equals !== undefined) return v === rule.equals || String(v) === String(rule.equals);
    if (rule.includes !== undefined) {
      return String(v).toLowerCase().includes(rule.includes.toLowerCase());
    }
    return true;
  });
}

/**
 * The furthest ahead a platform's own headers may put a reset: a platform (or anything answering in its
 * name) saying `x-rate-limit-reset: 1e300` or `Retry-After: 99999999999` pauses it for a day at most, and
 * never makes a time that cannot be written (`toISOString` throws past the year 275760).
 */
export const MAX_HEADER_RESET_MS = 24 * 60 * 60 * 1000;

/** `ms` (epoch milliseconds from a header) kept within [now, now + MAX_HEADER_RESET_MS]. */
export function clampHeaderReset(ms: number, now: Date): Date {
  const at = now.getTime();
  if (Number.isNaN(ms)) return new Date(at);
  return new Date(Math.min(Math.max(ms, at), at + MAX_HEADER_RESET_MS));
}

/**
 * Reset time: `x-rate-limit-reset` (unix s), `Retry-After` (s or HTTP date), else the policy. Header times
 * are clamped to [now, now + 24 h]; a value that is no time at all (NaN, negative, empty) is ignored.
 */
export function resetTime(headers: HeaderReader, policy: ResetPolicy, now: Date): Date {
  const unix = Number(headers.get("x-rate-limit-reset") ?? "");
  if (headers.has("x-rate-limit-reset") && !Number.isNaN(unix) && unix > 0) {
    return clampHeaderReset(unix * 1000, now);
  }
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (!Number.isNaN(seconds)) {
      if (seconds >= 0) return clampHeaderReset(now.getTime() + seconds * 1000, now);
    } else {
      const date = Date.parse(retryAfter);
      if (Number.isFinite(date)) return clampHeaderReset(date, now);
    }
  }
  return policyReset(policy, now);
}

function policyReset(policy: ResetPolicy, now: Date): Date {
  return policy.kind === "after"
    ? new Date(now.getTime() + policy.seconds * 1000)
    : nextMidnight(policy.timeZone, now);
}

function defaultClass(status: number): ErrorClass {
  if (status === 429) return "rate_limited";
  if (status === 401) return "auth";
  if (status === 408 || status >= 500) return "transient";
  return "permanent";
}

/** A gateway gave up waiting: the origin may have completed a write. */
function outcomeFor(status: number, method: string): FailureOutcome {
  if (isSafeMethod(method)) return "not_applied";
  return status === 502 || status === 504 ? "unknown" : "not_applied";
}

/** Classify a non-2xx answer. */
export function classifyResponse(
  profile: ErrorProfile,
  answer: HttpAnswer,
  ctx: ClassifyContext,
): Failure {
  const rule = profile.rules.find((r) => ruleMatches(r, answer));
  const errorClass = rule?.errorClass ?? defaultClass(answer.status);
  const message = firstScalar(answer.body, profile.messagePaths) ??
    `${profile.platform} HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
  const base = {
    ok: false as const,
    message,
    status: answer.status,
    outcome: outcomeFor(answer.status, ctx.method),
    platformCode: firstScalar(answer.body, profile.codePaths),
  };
  if (errorClass === "rate_limited") {
    const policy = rule?.reset ?? profile.rateLimitReset;
    const resetAt = rule?.reset
      ? policyReset(policy, ctx.now)
      : resetTime(answer.headers, policy, ctx.now);
    return { ...base, errorClass, resetAt };
  }
  return { ...base, errorClass };
}

/**
 * A 2xx whose body is not the JSON we expect (an HTML maintenance page from a proxy, a missing
 * id). Never a success. Classed `transient` because such pages are passing states, with outcome
 * `unknown` for writes: the platform answered 2xx, so it may have acted, and the caller must
 * reconcile with `findExisting` before sending again.
 */
export function malformedSuccess(
  profile: ErrorProfile,
  answer: HttpAnswer,
  ctx: ClassifyContext,
  problem: string,
): Failure {
  const type = answer.headers.get("content-type") ?? "no content-type";
  return {
    ok: false,
    errorClass: "transient",
    outcome: isSafeMethod(ctx.method) ? "not_applied" : "unknown",
    status: answer.status,
    message: `${profile.platform} answered ${answer.status} (${type}) but ${problem}: ${
      answer.text.slice(0, 120)
    }`,
  };
}

/**
 * No HTTP answer. A refused connection never reached the platform; a timeout or a connection lost
 * after sending may have been acted on, so writes get outcome `unknown`.
 */
export function classifyNetworkError(
  profile: ErrorProfile,
  error: unknown,
  ctx: ClassifyContext & { timedOut: boolean },
): Failure {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : "";
  // the answer came but was too large to read (a whole video from a host ignoring Range): sending the
  // request again would meet the same answer
  const tooLarge = error instanceof Error &&
    (error.name === "AnswerTooLarge" ||
      (error.cause as Error | undefined)?.name === "AnswerTooLarge");
  if (tooLarge) {
    return {
      ok: false,
      errorClass: "permanent",
      outcome: isSafeMethod(ctx.method) ? "not_applied" : "unknown",
      message: `${profile.platform}: ${error.message}`,
    };
  }
  // the egress rules refused the destination (net/egress.ts): nothing was sent, and sending again would
  // meet the same refusal
  if (causedBy(error, "DestinationNotAllowed")) {
    return {
      ok: false,
      errorClass: "permanent",
      outcome: "not_applied",
      message: `${profile.platform}: ${describeNetworkError(error)}`,
    };
  }
  // nothing was sent: the connection (or its TLS handshake) failed, or fetch says so in its words
  const refused = (error instanceof Error && error.name === "RequestNotSent") ||
    (!ctx.timedOut && /connection refused|ECONNREFUSED|dns error|ENOTFOUND/i.test(text));
  return {
    ok: false,
    errorClass: "transient",
    outcome: refused || isSafeMethod(ctx.method) ? "not_applied" : "unknown",
    message: ctx.timedOut
      ? `${profile.platform}: no answer before the timeout`
      // in words that name no address or port: the message reaches tenants
      : `${profile.platform}: network error: ${describeNetworkError(error)}`,
  };
}

/** Whether the error, or one of its causes, has this name. */
function causedBy(error: unknown, name: string): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === name) return true;
  }
  return false;
}
