// The platforms a run publishes to: row, credentials (from Vault) and adapter, loaded once per run.
import type { Sql } from "../db.ts";
import type { AdapterDeps, PlatformAdapter } from "../adapters/adapter.ts";
import { CredentialsError, loadCredentials, vaultCredentialStore } from "./credentials.ts";
import { createAdapter } from "../adapters/registry.ts";
import { PlatformKindSchema, type PlatformRow, PlatformRowSchema } from "../adapters/types.ts";
import { z } from "zod";
import { DEFAULT_RECLAIM_POLICY, type ReclaimPolicy } from "../publishing/attempt.ts";

export interface PlatformEntry {
  row: PlatformRow;
  /** The adapter, or why there is none: credentials missing or refused (auth), or no adapter. */
  adapter: PlatformAdapter | { error: string; errorClass: "auth" | "permanent" };
  /** How many posts of this platform a worker sends at once (publish_config.max_concurrency). */
  concurrency: number;
  /** What a reclaimed row is allowed (publish_config.max_lapses and reconcile_max_seconds). */
  reclaim: ReclaimPolicy;
}

/** A publish_config setting that must be a positive integer, else its default. */
function positiveSetting(value: unknown, fallback: number): number {
  const n = Number(value ?? fallback);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Where a run gets each platform's adapter (tests and benchmarks pass their own). */
export interface PlatformDirectory {
  get(platformId: string): Promise<PlatformEntry>;
}

/** The production directory: rows from public.platforms, credentials from Vault. */
export class VaultPlatformDirectory implements PlatformDirectory {
  private readonly entries = new Map<string, Promise<PlatformEntry>>();

  constructor(private readonly sql: Sql, private readonly deps: AdapterDeps = {}) {}

  get(platformId: string): Promise<PlatformEntry> {
    let entry = this.entries.get(platformId);
    if (!entry) {
      entry = this.load(platformId);
      this.entries.set(platformId, entry);
    }
    return entry;
  }

  /** A platform whose row or settings do not parse gets an entry that fails its posts, with why: one
   * platform's bad configuration never fails a run (or a batch) serving other platforms. */
  private async load(platformId: string): Promise<PlatformEntry> {
    const [raw] = await this.sql`
      select id, client_id, kind, name, publish_config, credentials_secret_id
        from public.platforms where id = ${platformId}`;
    const parsed = PlatformRowSchema.safeParse(raw);
    if (!parsed.success) {
      const row = PlatformRowSchema.parse({ ...fallbackRow(platformId, raw), publish_config: {} });
      return {
        row,
        adapter: {
          error: raw === undefined
            ? "the platform no longer exists"
            : settingsProblem(parsed.error, ""),
          errorClass: "permanent",
        },
        concurrency: 1,
        reclaim: DEFAULT_RECLAIM_POLICY,
      };
    }
    const row = parsed.data;
    const concurrency = positiveSetting(row.publish_config.max_concurrency, 4);
    const reclaim = {
      maxLapses: positiveSetting(row.publish_config.max_lapses, DEFAULT_RECLAIM_POLICY.maxLapses),
      reconcileMaxSeconds: positiveSetting(
        row.publish_config.reconcile_max_seconds,
        DEFAULT_RECLAIM_POLICY.reconcileMaxSeconds,
      ),
    };
    try {
      const credentials = await loadCredentials(this.sql, row);
      const deps = {
        ...this.deps,
        credentialStore: this.deps.credentialStore ?? vaultCredentialStore(this.sql, row.id),
      };
      return { row, adapter: createAdapter(row, credentials, deps), concurrency, reclaim };
    } catch (error) {
      const message = error instanceof z.ZodError
        ? settingsProblem(error, "publish_config.")
        : error instanceof Error
        ? error.message
        : String(error);
      const errorClass = error instanceof CredentialsError ? "auth" : "permanent";
      return { row, adapter: { error: message, errorClass }, concurrency, reclaim };
    }
  }
}

/** Why a row cannot be used, each problem named by its column path (`publish_config.timeout_ms: ...`). */
function settingsProblem(error: z.ZodError, prefix: string): string {
  const problems = error.issues.slice(0, 3).map((i) =>
    `${prefix}${i.path.join(".") || "(the whole value)"}: ${i.message}`
  );
  return `the platform's settings cannot be used (${problems.join("; ")}); fix them, then ` +
    `set the failed posts back to scheduled`;
}

/** What is known of a row that did not parse (or was not found): enough to name it in outcomes. */
function fallbackRow(platformId: string, raw: unknown): Record<string, unknown> {
  const r = (raw ?? {}) as Record<string, unknown>;
  const kind = PlatformKindSchema.safeParse(r.kind);
  return {
    id: platformId,
    client_id: typeof r.client_id === "string" ? r.client_id : "",
    kind: kind.success ? kind.data : "wordpress",
    name: typeof r.name === "string" ? r.name : platformId,
    credentials_secret_id: null,
  };
}
