/**
 * Platform credentials live in Vault (`platforms.credentials_secret_id`) as JSON, readable only by
 * the service role. Loaded here with the caller's service-role postgres.js handle and validated per
 * kind. Adapters take credentials in their constructor, so contract tests need no database.
 */
import type postgres from "postgres";
import { z } from "zod";
import type { PlatformKind, PlatformRow } from "../adapters/types.ts";
import { jsonb } from "../db.ts";

/** The token fields of OAuth 2.0 credentials (the client's own field is named per platform). */
const OAUTH2_TOKEN_FIELDS = {
  access_token: z.string().min(1).optional(),
  /** When access_token expires (ISO 8601), when known; it is renewed shortly before. */
  expires_at: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
};

/** An access token, or a refresh token with the OAuth client it was issued to. */
function requireTokenOrRefresh(clientField: string) {
  return {
    check: (c: Record<string, unknown>) =>
      c.refresh_token ? !!(c[clientField] && c.client_secret) : !!c.access_token,
    message: `access_token, or refresh_token with ${clientField} and client_secret, is required`,
  };
}

const clientIdRule = requireTokenOrRefresh("client_id");
/**
 * Credentials of a platform whose access tokens expire: an access token, or a refresh token with
 * the OAuth client it was issued to (then the access token is optional and fetched when needed).
 */
const OAuth2CredentialsSchema = z.object({
  ...OAUTH2_TOKEN_FIELDS,
  client_id: z.string().min(1).optional(),
}).refine(clientIdRule.check, { message: clientIdRule.message });
export type OAuth2Credentials = z.infer<typeof OAuth2CredentialsSchema>;

const tiktokRule = requireTokenOrRefresh("client_key");

export const CREDENTIAL_SCHEMAS = {
  wordpress: z.object({
    username: z.string().min(1),
    /** WordPress Application Password (spaces between groups are allowed). */
    application_password: z.string().min(1),
  }),
  x: z.union([
    z.object({
      /** OAuth 1.0a user context. */
      app_key: z.string().min(1),
      app_secret: z.string().min(1),
      access_token: z.string().min(1),
      access_secret: z.string().min(1),
      /** The account's numeric id; looked up with GET /2/users/me when absent. */
      user_id: z.string().optional(),
    }),
    /**
     * OAuth 2.0 user context: access tokens last two hours; a refresh token (scope offline.access)
     * rotates on every refresh. client_secret only for a confidential client (sent as Basic auth).
     */
    z.object({
      ...OAUTH2_TOKEN_FIELDS,
      client_id: z.string().min(1).optional(),
      user_id: z.string().optional(),
    })
      .refine((c) => (c.refresh_token ? !!c.client_id : !!c.access_token), {
        // zod reports this option's refinement when neither option matches: name both.
        message: "OAuth 1.0a (app_key, app_secret, access_token, access_secret) or OAuth 2.0 " +
          "(access_token, or refresh_token with client_id) credentials are required",
      }),
  ]),
  /** LinkedIn OAuth2: a 60-day access token, and/or a refresh token (approved apps) + client. */
  linkedin: OAuth2CredentialsSchema,
  /** Google OAuth2: an access token (expires after an hour) and/or a refresh token + client. */
  youtube: OAuth2CredentialsSchema,
  /** Mailchimp: an API key (Basic auth) or an OAuth access token (Bearer). */
  email: z.object({
    api_key: z.string().min(1).optional(),
    access_token: z.string().min(1).optional(),
  }).refine((c) => c.api_key || c.access_token, { message: "api_key or access_token is required" }),
  /** A long-lived user token (60 days) and, from Facebook Login, when it expires. */
  instagram: z.object({ access_token: z.string().min(1), expires_at: z.string().optional() }),
  /**
   * TikTok OAuth2: an access token, and/or a refresh token with the app's client key and secret
   * (access tokens expire within a day; refresh tokens rotate on every refresh).
   */
  tiktok: z.object({ ...OAUTH2_TOKEN_FIELDS, client_key: z.string().min(1).optional() })
    .refine(tiktokRule.check, { message: tiktokRule.message }),
  /** Only when publish_config.hosting configures a Transistor-shaped host. */
  podcast: z.object({ api_key: z.string().min(1).optional() }),
} satisfies Partial<Record<PlatformKind, z.ZodType>>;

export type CredentialKind = keyof typeof CREDENTIAL_SCHEMAS;
export type CredentialsFor<K extends CredentialKind> = z.infer<(typeof CREDENTIAL_SCHEMAS)[K]>;

export class CredentialsError extends Error {
  override name = "CredentialsError";
}

export function hasCredentialSchema(kind: PlatformKind): kind is CredentialKind {
  return kind in CREDENTIAL_SCHEMAS;
}

/** Validate raw credentials for a kind; the error names fields, never values. */
export function parseCredentials<K extends CredentialKind>(
  kind: K,
  raw: unknown,
): CredentialsFor<K> {
  const schema = CREDENTIAL_SCHEMAS[kind] as unknown as z.ZodType<CredentialsFor<K>>;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fields = credentialIssues(parsed.error).map((i) => i.field || i.message).join(", ");
    throw new CredentialsError(`${kind} credentials are invalid: ${fields}`);
  }
  return parsed.data;
}

/** What is wrong with credentials for a kind (empty when they are valid). */
export function credentialErrors(
  kind: CredentialKind,
  raw: unknown,
): { field: string; message: string }[] {
  const parsed = CREDENTIAL_SCHEMAS[kind].safeParse(raw);
  return parsed.success ? [] : credentialIssues(parsed.error);
}

/** Field names and the schema's own messages only: never a value. */
function credentialIssues(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: i.path.join("."), message: i.message }));
}

/** A Vault secret's JSON. */
function parseSecret(platformId: string, secret: string): unknown {
  try {
    return JSON.parse(secret);
  } catch {
    throw new CredentialsError(`secret for platform ${platformId} is not JSON`);
  }
}

/**
 * Read and parse a platform's secret. `sql` must be a service-role connection. A Vault secret is
 * bound to the one platform it was stored for (`private.platform_secrets`): a secret id that is
 * another platform's loads nothing.
 */
export async function loadCredentials(sql: postgres.Sql, platform: PlatformRow): Promise<unknown> {
  if (!platform.credentials_secret_id) {
    throw new CredentialsError(`platform ${platform.id} has no credentials_secret_id`);
  }
  const rows = await sql<StoredSecret[]>`
    select s.decrypted_secret, b.platform_id
    from vault.decrypted_secrets s
    left join private.platform_secrets b on b.secret_id = s.id
    where s.id = ${platform.credentials_secret_id}::uuid
  `;
  return credentialsFrom(platform, rows[0]);
}

/** A platform's secret as read from Vault, with the platform it is bound to. */
export interface StoredSecret {
  decrypted_secret: string | null;
  platform_id: string | null;
}

/** Parses a platform's secret as read (loadCredentials, or several platforms' in one statement). */
export function credentialsFrom(platform: PlatformRow, stored: StoredSecret | undefined): unknown {
  if (!platform.credentials_secret_id) {
    throw new CredentialsError(`platform ${platform.id} has no credentials_secret_id`);
  }
  const secret = stored?.decrypted_secret;
  if (!stored || !secret) {
    throw new CredentialsError(`secret for platform ${platform.id} not found`);
  }
  if (stored.platform_id !== platform.id) {
    throw new CredentialsError(
      `the credentials_secret_id of platform ${platform.id} is not its own secret: ` +
        "an owner reconnects it with its own credentials",
    );
  }
  const raw = parseSecret(platform.id, secret);
  if (!hasCredentialSchema(platform.kind)) return raw;
  return parseCredentials(platform.kind, raw);
}

/**
 * A platform's stored credentials, updated under its credential lock
 * (private.lock_platform_credentials): `update` runs `work` with the secret as stored at that moment and
 * stores what it returns as `save` before the lock is released.
 */
export interface CredentialStore {
  update<T>(
    work: (stored: unknown) => Promise<{ value: T; save?: Record<string, unknown> }>,
  ): Promise<T>;
}

/** The CredentialStore of one platform's Vault secret. `sql` must be a service-role connection. */
export function vaultCredentialStore(sql: postgres.Sql, platformId: string): CredentialStore {
  return {
    async update<T>(
      work: (stored: unknown) => Promise<{ value: T; save?: Record<string, unknown> }>,
    ): Promise<T> {
      return await sql.begin(async (tx) => {
        const [row] = await tx<{ secret: string }[]>`
          select private.lock_platform_credentials(${platformId}::uuid) as secret`;
        const { value, save } = await work(parseSecret(platformId, row.secret));
        if (save) {
          await tx`select private.save_platform_credentials(${platformId}::uuid, ${
            jsonb(tx, save)
          })`;
        }
        return value;
      }) as T;
    },
  };
}
