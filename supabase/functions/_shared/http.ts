// JSON replies and the one place that turns thrown errors into HTTP statuses.
import { z } from "zod";
import { AuthError } from "./auth.ts";
import { preflight, withCors } from "./cors.ts";

export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A refusal with a status and a reason the caller can act on. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message);
  }
}

/** zod issues as `{ field, message }`, one per bad field. */
export function fieldErrors(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join(".") : "(body)",
    message: issue.message,
  }));
}

export async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new HttpError(400, "The request body must be JSON", [
      { field: "(body)", message: "not valid JSON" },
    ]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(400, "The request has invalid fields", fieldErrors(parsed.error));
  }
  return parsed.data;
}

/** Wraps a handler: known errors become their status, anything else a 500 with its message; an
 * OPTIONS request is a CORS preflight, answered without running the handler. */
export function handle(
  handler: (req: Request) => Promise<Response>,
): (req: Request) => Promise<Response> {
  const answer = async (req: Request): Promise<Response> => {
    try {
      return await handler(req);
    } catch (error) {
      if (error instanceof HttpError) {
        return json(error.status, { error: error.message, details: error.details });
      }
      if (error instanceof AuthError) return json(error.status, { error: error.message });
      console.error(error);
      return json(500, { error: error instanceof Error ? error.message : String(error) });
    }
  };
  return async (req) => req.method === "OPTIONS" ? preflight() : withCors(await answer(req));
}
