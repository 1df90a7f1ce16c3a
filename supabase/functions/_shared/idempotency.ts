// The Idempotency-Key header of POST /schedule and POST /conversions. The same key with the same
// request body within 24 hours answers the first answer (status and exact body) and writes nothing
// new; the same key with another body is a 422; a key belongs to the calling user and endpoint
// (private.claim_idempotency_key). The key row is written in the request's own transaction, so a
// concurrent request with the same key waits for the first to commit and then replays its answer
// (or gets 409 when the first is still running after the wait); a request that fails leaves no key.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Claims } from "./auth.ts";
import { becomeUser, db, type Tx } from "./db.ts";
import { HttpError } from "./http-error.ts";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export type IdempotentEndpoint = "schedule" | "conversions";

/** An answer as it leaves the function: status and JSON body. */
export interface Reply {
  status: number;
  body: unknown;
}

/** The header's value: absent (undefined), or 1-255 printable ASCII characters; else a 400. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const value = req.headers.get(IDEMPOTENCY_HEADER);
  if (value === null) return undefined;
  if (!/^[\x20-\x7e]{1,255}$/.test(value)) {
    throw new HttpError(400, `Invalid ${IDEMPOTENCY_HEADER} header`, [{
      field: IDEMPOTENCY_HEADER,
      message: "must be 1 to 255 printable ASCII characters",
    }]);
  }
  return value;
}

/** JSON with object keys sorted at every level, so equal requests have equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** SHA-256 (hex) of the canonical form of a validated request body. */
export function requestHash(body: unknown): string {
  return createHash("sha256").update(canonical(body)).digest("hex");
}

const Claim = z.discriminatedUnion("state", [
  z.object({ state: z.literal("new") }),
  z.object({ state: z.literal("replay"), status: z.number().int(), body: z.string() }),
  z.object({ state: z.literal("mismatch") }),
  z.object({ state: z.literal("in_progress") }),
]);

/** A reply whose body text is exactly what was (or will be) stored for the key. */
export function replyResponse(status: number, text: string, replayed: boolean): Response {
  return new Response(text, {
    status,
    headers: {
      "content-type": "application/json",
      ...(replayed ? { "idempotency-replayed": "true" } : {}),
    },
  });
}

/**
 * Runs `work` as the user (asUser's role and claims) once per (user, endpoint, key, body): with no
 * key it simply runs; with a key it claims the key first, in the same transaction, and records the
 * answer before the commit. Throws HttpError 422 (another body) or 409 (still in progress).
 */
export async function onceAsUser(
  claims: Claims & { sub: string },
  endpoint: IdempotentEndpoint,
  key: string | undefined,
  body: unknown,
  work: (tx: Tx) => Promise<Reply>,
): Promise<Response> {
  const hash = requestHash(body);
  const outcome = await db().begin(async (tx) => {
    if (key !== undefined) {
      const [row] = await tx`select private.claim_idempotency_key(
        ${claims.sub}::uuid, ${endpoint}, ${key}, ${hash}) as claim`;
      const claim = Claim.parse(row.claim);
      if (claim.state === "replay") return { ...claim, replayed: true };
      if (claim.state === "mismatch") {
        throw new HttpError(
          422,
          `This ${IDEMPOTENCY_HEADER} was used with another request body`,
          [{ field: IDEMPOTENCY_HEADER, message: "already used with a different request body" }],
        );
      }
      if (claim.state === "in_progress") {
        throw new HttpError(
          409,
          `A request with this ${IDEMPOTENCY_HEADER} is still in progress; retry later`,
          [{ field: IDEMPOTENCY_HEADER, message: "in progress" }],
        );
      }
    }
    await becomeUser(tx, claims);
    const reply = await work(tx);
    const text = JSON.stringify(reply.body);
    if (key !== undefined) {
      await tx.unsafe("reset role");
      await tx`select private.finish_idempotency_key(
        ${claims.sub}::uuid, ${endpoint}, ${key}, ${reply.status}, ${text})`;
    }
    return { status: reply.status, body: text, replayed: false };
  });
  return replyResponse(outcome.status, outcome.body, outcome.replayed);
}
