/**
 * The PlatformAdapter interface and the few helpers every adapter shares.
 *
 * An adapter never throws for platform reasons: every call resolves to a result (types.ts).
 * `publish` validates first; an invalid post is a permanent failure that was never sent.
 */
import type { CredentialStore } from "../platforms/credentials.ts";
import type { z } from "zod";
import type { ErrorProfile } from "../net/classify.ts";
import { type HttpClient, httpClientFor, type HttpDepsOverrides } from "../net/api-client.ts";
import { type LimitsFor, limitsFor } from "./settings.ts";
import type {
  AdapterOperation,
  AudienceActivityResult,
  CommonMetricName,
  DeleteResult,
  DistributionContent,
  ExistenceResult,
  Failure,
  MetricsResult,
  PlatformKind,
  PlatformMetrics,
  PlatformRow,
  PublishResult,
  ScheduleResult,
  Unsupported,
  UpdateResult,
  ValidationError,
  ValidationResult,
} from "./types.ts";

export interface PublishOptions {
  /** The distribution attempt; embedded in the post where the platform allows it. */
  attemptId: string;
}

export interface ExistenceQuery {
  attemptId: string;
  content: DistributionContent;
  /** When the attempt was sent; lookups that scan recent posts start a little before it. */
  sentAt?: Date;
  /** The platform's name for the attempt's accepted request, when it gave one (Failure.acceptedRef). */
  acceptedRef?: string;
}

/** Injected into adapters; everything optional (tests pass a clock, a fetch, a short timeout). */
export type AdapterDeps = HttpDepsOverrides & {
  /** The platform's stored credentials, where an adapter renews a token (Vault in production). */
  credentialStore?: CredentialStore;
};

export interface PlatformAdapter {
  readonly kind: PlatformKind;
  /**
   * The platform creates a post within the request: once it has answered (any 2xx), whatever it
   * created is visible to findExisting. Then a 2xx answer that cannot be read, with a look-up that
   * finds nothing, proves nothing was created: the post fails at once with the cause instead of
   * being looked up again until reconcile_max_seconds. Absent for platforms that create later
   * (uploads processed afterwards) or whose look-up may lag.
   */
  readonly createsSynchronously?: boolean;
  validate(content: DistributionContent): ValidationResult;
  publish(content: DistributionContent, options: PublishOptions): Promise<PublishResult>;
  /** Native scheduling: the platform holds the post until `at`. Absent when it has none. */
  schedule?(
    content: DistributionContent,
    at: Date,
    options: PublishOptions,
  ): Promise<ScheduleResult>;
  update(externalId: string, content: DistributionContent): Promise<UpdateResult>;
  delete(externalId: string): Promise<DeleteResult>;
  getMetrics(externalId: string): Promise<MetricsResult>;
  /**
   * Does a post from this attempt already exist? Used before any resend of an attempt whose
   * outcome is unknown, so nothing is published twice. Each adapter documents what its API allows.
   */
  findExisting(query: ExistenceQuery): Promise<ExistenceResult>;
  /** When the audience is online, where the platform reports it (absent: it does not). */
  getAudienceActivity?(): Promise<AudienceActivityResult>;
}

/** What every HTTP adapter starts from: its parsed config, its limits, its HttpClient. */
export interface AdapterSetup<K extends PlatformKind, C> {
  config: C;
  limits: LimitsFor<K>;
  http: HttpClient;
}

export function setupAdapter<K extends PlatformKind, C extends { timeout_ms?: number }>(
  kind: K,
  platform: PlatformRow,
  configSchema: z.ZodType<C>,
  profile: ErrorProfile,
  deps: AdapterDeps,
): AdapterSetup<K, C> {
  const config = configSchema.parse(platform.publish_config);
  return {
    config,
    limits: limitsFor(kind, platform),
    http: httpClientFor(config, deps, profile),
  };
}

export function unsupported(operation: AdapterOperation, message: string): Unsupported {
  return { ok: false, unsupported: true, operation, message };
}

/** The marker embedded where a platform allows hidden or owner-only text (WordPress, YouTube). */
export function attemptMarker(attemptId: string): string {
  return `dist-attempt-${attemptId}`;
}

export function validation(errors: ValidationError[]): ValidationResult {
  return { valid: errors.length === 0, errors };
}

/** A failure that certainly changed nothing on the platform: safe to retry (transient) or final. */
export function notApplied(errorClass: "permanent" | "transient", message: string): Failure {
  return { ok: false, errorClass, outcome: "not_applied", message };
}

/**
 * A look-up that read as many of the account's recent posts as it may (`read`) without reaching the end of
 * them: "not found" would not be true, and sending again could post twice, so the look-up fails and the
 * attempt is asked about again later (or parked as unconfirmed for a person).
 */
export function undecidedLookup(read: number): Failure {
  return {
    ok: false,
    errorClass: "transient",
    outcome: "unknown",
    message: `the account has more than ${read} recent posts to look through (lookupMaxPages); ` +
      "whether this one was published is not known yet",
  };
}

/** A post that failed validation: permanent, never sent. */
export function invalidContent(result: ValidationResult): Failure | undefined {
  if (result.valid) return undefined;
  return notApplied("permanent", result.errors.map((e) => `${e.field}: ${e.message}`).join("; "));
}

/** The lower-case file extension of a media URL's path (`jpg` for `.../a.JPG?x=1`). */
export function urlExtension(url: string): string | undefined {
  return /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
}

/** Image types the platforms take, by extension. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
};

/** A number from a platform field (YouTube sends strings); anything else is absent, not 0. */
export function count(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined;
}

/** Build metrics keeping only what the platform gave. */
export function buildMetrics(
  common: Partial<Record<CommonMetricName, unknown>>,
  extra: Record<string, unknown> = {},
): PlatformMetrics {
  const metrics: PlatformMetrics = { platform_metrics: {} };
  for (const [name, value] of Object.entries(common) as [CommonMetricName, unknown][]) {
    const n = count(value);
    if (n !== undefined) metrics[name] = n;
  }
  for (const [name, value] of Object.entries(extra)) {
    const finite = typeof value === "number" && Number.isFinite(value);
    if (finite || typeof value === "string" || typeof value === "boolean") {
      metrics.platform_metrics[name] = value;
    }
  }
  return metrics;
}

/** Sum of the given counts, absent when none was given. */
export function sumPresent(...values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

/**
 * Poll `probe` until it settles (returns a value) or `attempts` run out (undefined). Used for
 * asynchronous platform processing: Instagram containers, TikTok publish status.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  { attempts, intervalMs }: { attempts: number; intervalMs: number },
): Promise<T | undefined> {
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const settled = await probe();
    if (settled !== undefined) return settled;
  }
  return undefined;
}

export type { DeleteResult, MetricsResult, PublishResult, ScheduleResult, UpdateResult };
