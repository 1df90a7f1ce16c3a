// The public key a token names (its kid), from the project's JWKS: SUPABASE_JWKS when the environment
// has it and it holds that kid, else Auth's discovery endpoint <SUPABASE_URL>/auth/v1/.well-known/
// jwks.json, fetched and kept for 10 minutes. A kid the kept JWKS lacks is looked up again at most once
// per 30 s, so tokens naming made-up kids cannot turn into a stream of fetches. An unknown kid, or an
// endpoint that cannot be read, gives no key: the token is refused.
import { type AuthConfig, type Jwks, JwksSchema } from "./config.ts";

type Jwk = Jwks["keys"][number];

const TTL_MS = 10 * 60_000;
const REFETCH_COOLDOWN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;

interface Kept {
  jwks?: Jwks;
  fetchedAt: number;
  attemptedAt: number;
  inFlight?: Promise<void>;
}

const kept = new Map<string, Kept>();

async function refresh(url: string, entry: Kept): Promise<void> {
  entry.attemptedAt = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    entry.jwks = JwksSchema.parse(await res.json());
    entry.fetchedAt = Date.now();
  } catch (error) {
    console.error(`the JWKS at ${url} could not be read: ${String(error)}`);
  }
}

function find(jwks: Jwks | undefined, kid: string): Jwk | undefined {
  return jwks?.keys.find((key) => key.kid === kid);
}

export async function jwkFor(kid: string, config: AuthConfig): Promise<Jwk | undefined> {
  const given = find(config.jwks, kid);
  if (given || !config.url) return given;
  const url = `${config.url}/auth/v1/.well-known/jwks.json`;
  let entry = kept.get(url);
  if (!entry) {
    entry = { fetchedAt: -Infinity, attemptedAt: -Infinity };
    kept.set(url, entry);
  }
  const now = Date.now();
  const fresh = now - entry.fetchedAt < TTL_MS;
  const hit = fresh ? find(entry.jwks, kid) : undefined;
  if (hit) return hit;
  if (!fresh || now - entry.attemptedAt >= REFETCH_COOLDOWN_MS) {
    entry.inFlight ??= refresh(url, entry).finally(() => (entry.inFlight = undefined));
  }
  await entry.inFlight;
  return Date.now() - entry.fetchedAt < TTL_MS ? find(entry.jwks, kid) : undefined;
}
