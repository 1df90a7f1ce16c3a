// Helpers for publishing tests: a clean queue, due rows, and a scriptable in-memory platform.
import type postgres from "postgres";
import { jsonb } from "../../supabase/functions/_shared/db.ts";
import type { PlatformAdapter } from "../../supabase/functions/_shared/adapters/adapter.ts";
import type {
  DistributionContent,
  ExistenceResult,
  Failure,
  PlatformKind,
  PublishResult,
} from "../../supabase/functions/_shared/adapters/types.ts";
import type {
  PlatformDirectory,
  PlatformEntry,
} from "../../supabase/functions/_shared/platforms/directory.ts";
import { DEFAULT_RECLAIM_POLICY } from "../../supabase/functions/_shared/publishing/attempt.ts";
import { DEMO_CLIENT, PLATFORM_IDS } from "./seed.ts";

/** Empty queue; every demo platform healthy, unlimited, retrying after 1 s; no webhook endpoints (a
 * delivery still in flight from an earlier test would otherwise race the delete below). */
export async function resetQueue(sql: postgres.Sql): Promise<void> {
  await sql`delete from public.webhook_endpoints`;
  await sql`delete from public.distributions`;
  await sql`update public.platforms set paused_until = null, pause_reason = null,
    needs_reconnection = false, reconnection_reason = null, posts_per_hour = null,
    posts_per_day = null, min_interval_minutes = 0, last_published_at = null,
    publish_config = (publish_config - 'timeout_ms' - 'max_attempts') ||
      '{"retry_base_seconds": 1, "reconcile_after_seconds": 1}'::jsonb`;
}

export interface DueRow {
  platform_id: string;
  body: string;
  title?: string;
  media_urls?: string[];
  platform_specific?: Record<string, unknown>;
  /** Seconds from now (negative: already due). */
  dueIn?: number;
}

// One platform's calendar holds one post per instant: rows inserted by a test never share one.
const usedInstants = new Set<number>();
function distinctInstant(ms: number): Date {
  let t = Math.round(ms);
  while (usedInstants.has(t)) t++;
  usedInstants.add(t);
  return new Date(t);
}

/** Inserts scheduled rows and returns their ids, in order. */
export async function insertDue(sql: postgres.Sql, rows: DueRow[]): Promise<string[]> {
  const now = Date.now();
  const values = rows.map((r, i) => ({
    client_id: DEMO_CLIENT,
    platform_id: r.platform_id,
    content_type: "manual",
    title: r.title ?? null,
    body: r.body,
    media_urls: r.media_urls ?? null,
    platform_specific: jsonb(sql, r.platform_specific ?? {}),
    status: "scheduled",
    scheduled_for: distinctInstant(now + (r.dueIn ?? -1) * 1000 + i),
  }));
  const inserted = await sql`insert into public.distributions ${sql(values)} returning id`;
  return inserted.map((r) => String(r.id));
}

export type Behaviour =
  | { kind: "ok" }
  | { kind: "fail"; failure: Failure }
  /** The platform creates the post, but the answer never arrives. */
  | { kind: "lost_answer" }
  /**
   * The platform accepts the post under a reference of its own and is still processing it (as
   * TikTok does): not in the account's posts until `complete(ref)`.
   */
  | { kind: "accepted_processing" };

/**
 * An in-memory platform: records posts by attempt id. A publish whose body is a key of `byBody` follows
 * that behaviour (every time); any other follows the next of `behaviours`. Rows sent concurrently must
 * be keyed by body: the order in which concurrent sends reach the platform is not fixed.
 */
export class FakePlatform implements PlatformAdapter {
  readonly posts = new Map<string, { id: string; body: string; at: Date }>();
  readonly publishCalls: { attemptId: string; body: string; at: Date }[] = [];
  /** Accepted posts still processing, by the platform's reference. */
  readonly processing = new Map<string, { attemptId: string; body: string; at: Date }>();
  behaviours: Behaviour[] = [];
  readonly byBody = new Map<string, Behaviour>();
  lookupSupported = true;
  /** What every look-up answers instead of searching (a platform whose look-up endpoint errs). */
  lookupFailure?: Failure;
  /** How long each publish takes to answer. */
  latencyMs = 0;
  /** Publishes being answered now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private next = 1;

  constructor(readonly kind: PlatformKind = "x") {}

  validate() {
    return { valid: true, errors: [] };
  }

  async publish(
    content: DistributionContent,
    { attemptId }: { attemptId: string },
  ): Promise<PublishResult> {
    if (this.latencyMs > 0) {
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      await new Promise((r) => setTimeout(r, this.latencyMs));
      this.inFlight--;
    }
    const at = new Date();
    this.publishCalls.push({ attemptId, body: content.body, at });
    const behaviour = this.byBody.get(content.body) ?? this.behaviours.shift() ?? { kind: "ok" };
    if (behaviour.kind === "fail") return behaviour.failure;
    if (behaviour.kind === "accepted_processing") {
      const ref = `ref-${this.next++}`;
      this.processing.set(ref, { attemptId, body: content.body, at });
      return {
        ok: false,
        errorClass: "transient",
        outcome: "unknown",
        message: `${ref} still processing`,
        acceptedRef: ref,
      };
    }
    const id = String(this.next++);
    this.posts.set(attemptId, { id, body: content.body, at });
    if (behaviour.kind === "lost_answer") {
      return {
        ok: false,
        errorClass: "transient",
        outcome: "unknown",
        message: "timeout after 10000 ms",
      };
    }
    return { ok: true, externalId: id, externalUrl: `https://fake/${id}` };
  }

  /** The platform finishes processing an accepted post: it is published now. */
  complete(ref: string): void {
    const post = this.processing.get(ref);
    if (!post) throw new Error(`no post is processing as ${ref}`);
    this.processing.delete(ref);
    this.posts.set(post.attemptId, { id: String(this.next++), body: post.body, at: post.at });
  }

  findExisting(
    { attemptId, acceptedRef }: { attemptId: string; acceptedRef?: string },
  ): Promise<ExistenceResult> {
    if (this.lookupFailure) return Promise.resolve(this.lookupFailure);
    if (acceptedRef && this.processing.has(acceptedRef)) {
      return Promise.resolve({
        ok: false,
        errorClass: "transient",
        outcome: "not_applied",
        message: `${acceptedRef} still processing`,
      });
    }
    if (!this.lookupSupported) {
      return Promise.resolve({
        ok: false,
        unsupported: true,
        operation: "findExisting",
        message: "no lookup",
      });
    }
    const post = this.posts.get(attemptId);
    return Promise.resolve(
      post
        ? { ok: true, found: true, externalId: post.id, externalUrl: `https://fake/${post.id}` }
        : { ok: true, found: false },
    );
  }

  update() {
    return Promise.resolve({
      ok: false as const,
      unsupported: true as const,
      operation: "update" as const,
      message: "no",
    });
  }
  delete() {
    return Promise.resolve({
      ok: false as const,
      unsupported: true as const,
      operation: "delete" as const,
      message: "no",
    });
  }
  getMetrics() {
    return Promise.resolve({
      ok: false as const,
      unsupported: true as const,
      operation: "metrics" as const,
      message: "no",
    });
  }
}

/** Every demo platform served by one fake (or per-platform fakes). */
export function fakeDirectory(
  fakes: Partial<Record<string, FakePlatform>>,
  fallback = new FakePlatform(),
): PlatformDirectory {
  return {
    get(platformId: string): Promise<PlatformEntry> {
      const adapter = fakes[platformId] ?? fallback;
      return Promise.resolve({
        row: {
          id: platformId,
          client_id: DEMO_CLIENT,
          kind: adapter.kind,
          name: "fake",
          publish_config: {},
          credentials_secret_id: null,
        },
        adapter,
        concurrency: 4,
        reclaim: DEFAULT_RECLAIM_POLICY,
      });
    },
  };
}

export const X = PLATFORM_IDS.x;

export function transient(message = "HTTP 503"): Failure {
  return { ok: false, errorClass: "transient", outcome: "not_applied", message, status: 503 };
}
