// Attribution API: POST /functions/v1/conversions records a conversion (a sale, a sign-up) as the
// signed-in user, under row-level security, matched to the distribution by id, utm_content, or
// utm_campaign + utm_source. 201 new, 200 an already recorded external_ref, 400 invalid, 404 no
// distribution this user can see matched. An Idempotency-Key header makes a retry answer the first
// answer (see _shared/idempotency.ts).
import { requireUser } from "../_shared/auth.ts";
import { handle, readJson } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { idempotencyKeyOf, onceAsUser } from "../_shared/idempotency.ts";
import {
  conversionError,
  ConversionRequest,
  recordConversionIn,
} from "../_shared/attribution/conversion.ts";

Deno.serve(handle(async (req) => {
  if (req.method !== "POST") throw new HttpError(405, "use POST");
  const claims = await requireUser(req);
  const key = idempotencyKeyOf(req);
  const request = await readJson(req, ConversionRequest);
  try {
    return await onceAsUser(claims, "conversions", key, request, async (tx) => {
      const reply = await recordConversionIn(tx, request);
      return { status: reply.conversion.duplicate ? 200 : 201, body: reply };
    });
  } catch (error) {
    throw conversionError(error);
  }
}));
