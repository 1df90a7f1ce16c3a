// The platforms a run publishes to: row, credentials (from Vault) and adapter, loaded once per run.
import type { Sql } from "../db.ts";
import type { AdapterDeps, PlatformAdapter } from "../adapters/adapter.ts";
import {
  CredentialsError,
  loadCredentials,
  vaultCredentialStore,
} from "../adapters/credentials.ts";
import { createAdapter } from "../adapters/registry.ts";
import { type PlatformRow, PlatformRowSchema } from "../adapters/types.ts";
import { DEFAULT_RECLAIM_POLICY, type ReclaimPolicy } from "./attempt.ts";

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

  private async load(platformId: string): Promise<PlatformEntry> {
    const [raw] = await this.sql`
      select id, client_id, kind, name, publish_config, credentials_secret_id
        from public.platforms where id = ${platformId}`;
    const row = PlatformRowSchema.parse(raw);
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
      const message = error instanceof Error ? error.message : String(error);
      const errorClass = error instanceof CredentialsError ? "auth" : "permanent";
      return { row, adapter: { error: message, errorClass }, concurrency, reclaim };
    }
  }
}
