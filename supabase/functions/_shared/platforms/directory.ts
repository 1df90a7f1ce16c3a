// The platforms a run publishes to: row, credentials (from Vault) and adapter, loaded once per run.
import type { Sql } from "../db.ts";
import type { AdapterDeps, PlatformAdapter } from "../adapters/adapter.ts";
import {
  CredentialsError,
  credentialsFrom,
  loadCredentials,
  type StoredSecret,
  vaultCredentialStore,
} from "./credentials.ts";
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
  /** Starts loading the platforms of a claimed batch together (optional: `get` loads one alone). */
  prefetch?(platformIds: string[]): void;
}

/** The columns of a platform a run reads. */
const PLATFORM_COLUMNS = "id, client_id, kind, name, publish_config, credentials_secret_id";

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

  /**
   * Loads the platforms not loaded yet, rows and secrets, in one statement: a batch spread over many
   * platforms (a burst of one post on each of thousands) costs one round trip, not two a platform. A
   * platform the statement misses, or all of them when it fails, loads alone on `get` as before.
   */
  prefetch(platformIds: string[]): void {
    const missing = [...new Set(platformIds)].filter((id) => !this.entries.has(id));
    if (missing.length === 0) return;
    const loading = this.sql.unsafe(
      `select ${PLATFORM_COLUMNS.split(", ").map((c) => `p.${c}`).join(", ")},
              s.decrypted_secret, b.platform_id as secret_platform_id
         from public.platforms p
         left join vault.decrypted_secrets s on s.id = p.credentials_secret_id
         left join private.platform_secrets b on b.secret_id = s.id
        where p.id = any ($1::uuid[])`,
      [missing],
    ).then((rows) => new Map(rows.map((r) => [String(r.id), r])));
    for (const id of missing) {
      this.entries.set(
        id,
        loading.then(
          (rows) => {
            const raw = rows.get(id);
            if (!raw) return this.load(id);
            const { decrypted_secret, secret_platform_id, ...row } = raw;
            return this.entryFrom(id, row, {
              decrypted_secret: decrypted_secret ?? null,
              platform_id: secret_platform_id ?? null,
            });
          },
          () => this.load(id),
        ),
      );
    }
  }

  /** A platform whose row or settings do not parse gets an entry that fails its posts, with why: one
   * platform's bad configuration never fails a run (or a batch) serving other platforms. */
  private async load(platformId: string): Promise<PlatformEntry> {
    const [raw] = await this.sql.unsafe(
      `select ${PLATFORM_COLUMNS} from public.platforms where id = $1`,
      [platformId],
    );
    return await this.entryFrom(platformId, raw, null);
  }

  /** The entry of a platform row as read; `secret`: its secret as read with it (null: read it now). */
  private async entryFrom(
    platformId: string,
    raw: Record<string, unknown> | undefined,
    secret: StoredSecret | null,
  ): Promise<PlatformEntry> {
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
      const credentials = secret
        ? credentialsFrom(row, secret)
        : await loadCredentials(this.sql, row);
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
