// Attribution API: POST /functions/v1/conversions records a conversion (a sale, a sign-up) as the
// signed-in user, under row-level security, matched to the distribution by id, utm_content, or
// utm_campaign + utm_source. 201 new, 200 an already recorded external_ref, 400 invalid, 404 no
// distribution this user can see matched.
import { requireUser } from "../_shared/auth.ts";
import { handle, HttpError, json, readJson } from "../_shared/http.ts";
import { ConversionRequest, recordConversion } from "../_shared/attribution/conversion.ts";

Deno.serve(handle(async (req) => {
  if (req.method !== "POST") throw new HttpError(405, "use POST");
  const claims = await requireUser(req);
  const request = await readJson(req, ConversionRequest);
  const reply = await recordConversion(claims, request);
  return json(reply.conversion.duplicate ? 200 : 201, reply);
}));
