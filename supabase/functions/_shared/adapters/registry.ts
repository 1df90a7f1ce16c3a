/**
 * createAdapter: the one place that maps a platform kind to its adapter.
 *
 * To add a platform: write `<kind>.ts` (an adapter class taking (platform, credentials, deps)),
 * add its credentials schema to CREDENTIAL_SCHEMAS in platforms/credentials.ts, and add one line to FACTORIES.
 */
import type postgres from "postgres";
import { z } from "zod";
import { type AdapterDeps, type PlatformAdapter, validation } from "./adapter.ts";
import { assertApiHosts } from "../platforms/api-hosts.ts";
import {
  CREDENTIAL_SCHEMAS,
  type CredentialKind,
  type CredentialsFor,
  loadCredentials,
  parseCredentials,
  vaultCredentialStore,
} from "../platforms/credentials.ts";
import { EmailAdapter } from "./email.ts";
import { InstagramAdapter } from "./instagram.ts";
import { LinkedInAdapter } from "./linkedin.ts";
import { PodcastAdapter } from "./podcast.ts";
import { TikTokAdapter } from "./tiktok.ts";
import type { DistributionContent, PlatformKind, PlatformRow, ValidationResult } from "./types.ts";
import { WordPressAdapter } from "./wordpress.ts";
import { XAdapter } from "./x.ts";
import { YouTubeAdapter } from "./youtube.ts";

type Factory<K extends CredentialKind> = (
  platform: PlatformRow,
  credentials: CredentialsFor<K>,
  deps: AdapterDeps,
) => PlatformAdapter;

/** Kinds with an adapter. Kinds not listed here have none yet: createAdapter says so. */
const FACTORIES: { [K in CredentialKind]?: Factory<K> } = {
  wordpress: (p, c, d) => new WordPressAdapter(p, c, d),
  x: (p, c, d) => new XAdapter(p, c, d),
  linkedin: (p, c, d) => new LinkedInAdapter(p, c, d),
  youtube: (p, c, d) => new YouTubeAdapter(p, c, d),
  email: (p, c, d) => new EmailAdapter(p, c, d),
  instagram: (p, c, d) => new InstagramAdapter(p, c, d),
  tiktok: (p, c, d) => new TikTokAdapter(p, c, d),
  podcast: (p, c, d) => new PodcastAdapter(p, c, d),
};

export class NoAdapterError extends Error {
  override name = "NoAdapterError";
  constructor(readonly kind: PlatformKind) {
    super(`no adapter for platform kind "${kind}" yet`);
  }
}

export function hasAdapter(kind: PlatformKind): boolean {
  return kind in FACTORIES;
}

/**
 * Build the adapter for a platform row; `credentials` are validated for the kind, and the row's API
 * URLs must be its kind's API hosts (platforms/api-hosts.ts: ApiHostNotAllowed otherwise).
 */
export function createAdapter(
  platform: PlatformRow,
  credentials: unknown,
  deps: AdapterDeps = {},
): PlatformAdapter {
  const kind = platform.kind;
  const factory = FACTORIES[kind as CredentialKind] as Factory<CredentialKind> | undefined;
  if (!factory) throw new NoAdapterError(kind);
  assertApiHosts(platform);
  return factory(platform, parseCredentials(kind as CredentialKind, credentials), deps);
}

/** Credentials from Vault (service-role `sql`), then createAdapter. */
export async function loadAdapter(
  sql: postgres.Sql,
  platform: PlatformRow,
  deps: AdapterDeps = {},
): Promise<PlatformAdapter> {
  if (!hasAdapter(platform.kind)) throw new NoAdapterError(platform.kind);
  // A kind that needs no secret (a self-hosted podcast feed) may have no Vault reference.
  const needsNone = platform.credentials_secret_id === null &&
    CREDENTIAL_SCHEMAS[platform.kind as CredentialKind].safeParse({}).success;
  if (needsNone) return createAdapter(platform, {}, deps);
  return createAdapter(platform, await loadCredentials(sql, platform), {
    ...deps,
    credentialStore: deps.credentialStore ?? vaultCredentialStore(sql, platform.id),
  });
}

/**
 * The adapter's validate() without credentials, for scheduling (it runs as the user, who cannot
 * read Vault; validation reads only the row's settings). The adapter is built with placeholder
 * credentials and never calls the platform. Undefined when the kind has no adapter yet; a row whose
 * publish_config the adapter rejects validates to that error.
 */
export function validatorFor(
  platform: PlatformRow,
): ((content: DistributionContent) => ValidationResult) | undefined {
  if (!hasAdapter(platform.kind)) return undefined;
  const kind = platform.kind as CredentialKind;
  type Shaped = { shape?: Record<string, unknown> };
  // A kind with several kinds of credentials (X: OAuth 1.0a or 2.0) takes its first.
  const schema = CREDENTIAL_SCHEMAS[kind] as unknown as Shaped & { options?: Shaped[] };
  const shape = schema.shape ?? schema.options?.[0]?.shape;
  const placeholders = Object.fromEntries(
    Object.keys(shape ?? {}).map((k) => [k, "validation-only"]),
  );
  try {
    const adapter = createAdapter(platform, placeholders);
    return (content) => adapter.validate(content);
  } catch (error) {
    const message = error instanceof z.ZodError
      ? error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")
      : error instanceof Error
      ? error.message
      : String(error);
    return () => validation([{ field: "platform.publish_config", message }]);
  }
}
