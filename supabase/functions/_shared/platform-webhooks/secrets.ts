// A platform's webhook secrets, from its Vault credentials (service role; only a secret bound to the
// platform, see private.platform_secrets), never from the request:
//   app_secret            Meta app secret (X-Hub-Signature-256 HMAC key)
//   webhook_verify_token  Meta subscription handshake token (hub.verify_token)
//   webhook_token         Mailchimp: the secret token in the callback URL (Mailchimp does not sign)
//   webhook_secret        the generic signed-JSON form's HMAC key
import { z } from "zod";
import { isUuid, type Sql } from "../db.ts";
import { HttpError } from "../http-error.ts";
import { PlatformKindSchema } from "../adapters/types.ts";

export const WebhookSecrets = z.object({
  app_secret: z.string().min(1).optional(),
  webhook_verify_token: z.string().min(1).optional(),
  webhook_token: z.string().min(1).optional(),
  webhook_secret: z.string().min(1).optional(),
});
export type WebhookSecrets = z.infer<typeof WebhookSecrets>;

export interface WebhookPlatform {
  id: string;
  kind: z.infer<typeof PlatformKindSchema>;
  secrets: WebhookSecrets;
}

const PlatformSecretRow = z.object({
  id: z.string(),
  kind: PlatformKindSchema,
  secret: z.string().nullable(),
});

export async function webhookPlatform(sql: Sql, platformId: string): Promise<WebhookPlatform> {
  if (!isUuid(platformId)) throw new HttpError(404, "unknown platform");
  const [raw] = await sql`
    select p.id, p.kind, s.decrypted_secret as secret
    from public.platforms p
    left join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
    left join vault.decrypted_secrets s on s.id = b.secret_id
    where p.id = ${platformId}::uuid and p.is_active`;
  if (!raw) throw new HttpError(404, "unknown platform");
  const row = PlatformSecretRow.parse(raw);
  let parsed: unknown = {};
  try {
    parsed = row.secret ? JSON.parse(row.secret) : {};
  } catch {
    parsed = {};
  }
  const secrets = WebhookSecrets.safeParse(parsed);
  return { id: row.id, kind: row.kind, secrets: secrets.success ? secrets.data : {} };
}
