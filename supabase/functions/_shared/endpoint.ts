// JSON replies, the one request-body reader, and the one place that turns thrown errors into HTTP
// statuses.
import { z } from "zod";
import { AuthError } from "./auth.ts";
import { concatBytes } from "./bytes.ts";
import { preflight, withCors } from "./cors.ts";
import { httpErrorFromSql } from "./sql-errors.ts";
import { fieldName, textProblems } from "./text.ts";
import { type FieldError, HttpError } from "./http-error.ts";

export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

type Issue = z.core.$ZodIssue;

/** One issue as `{ field, message }` entries: an unknown key names itself, a union its closest branch. */
function issueErrors(issue: Issue, prefix: PropertyKey[] = []): FieldError[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      field: fieldName([...path, key]),
      message: "unknown field",
    }));
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // The branch the value came closest to (fewest issues) names the inner field; a tie keeps the
    // union's own message.
    const sizes = issue.errors.map((branch) => branch.length);
    const fewest = Math.min(...sizes);
    if (fewest > 0 && sizes.filter((n) => n === fewest).length === 1) {
      return issue.errors[sizes.indexOf(fewest)].flatMap((i) => issueErrors(i, path));
    }
  }
  return [{ field: fieldName(path), message: issue.message }];
}

/** zod issues as `{ field, message }`, one per bad field, named as the caller wrote it. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => issueErrors(issue));
}

/** 1 MiB unless the function (or REQUEST_MAX_BYTES) says otherwise. */
export function defaultMaxBytes(): number {
  const configured = Number(Deno.env.get("REQUEST_MAX_BYTES"));
  return Number.isInteger(configured) && configured > 0 ? configured : 1024 * 1024;
}

export interface ReadOptions {
  /** Bodies larger than this answer 413 before they are parsed. */
  maxBytes?: number;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `The request body is larger than ${maxBytes} bytes`, [
    { field: "(body)", message: `at most ${maxBytes} bytes` },
  ]);
}

/** The raw body, refused with 413 as soon as it is known to exceed `maxBytes` (declared or counted). */
export async function readBody(req: Request, maxBytes = defaultMaxBytes()): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await req.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, size);
}

function notJson(message: string): HttpError {
  return new HttpError(400, "The request body must be JSON", [{ field: "(body)", message }]);
}

/** Fields whose strings hold U+FFFD where the bytes were not UTF-8 (the body when none is found). */
function invalidUtf8(bytes: Uint8Array): HttpError {
  let fields: string[] = [];
  try {
    const lenient = JSON.parse(new TextDecoder().decode(bytes));
    const walk = (v: unknown, path: PropertyKey[]): void => {
      if (typeof v === "string" && v.includes("\ufffd")) fields.push(fieldName(path));
      else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
      else if (v && typeof v === "object") {
        for (const [k, item] of Object.entries(v)) {
          if (k.includes("\ufffd")) fields.push(fieldName([...path, k]));
          else walk(item, [...path, k]);
        }
      }
    };
    walk(lenient, []);
  } catch {
    fields = [];
  }
  const message = "is not valid UTF-8";
  return new HttpError(
    400,
    "The request body must be UTF-8 JSON",
    (fields.length ? fields.slice(0, 20) : ["(body)"]).map((field) => ({ field, message })),
  );
}

/** Deepest nesting a request body may have (no request schema comes near it). */
export const MAX_JSON_DEPTH = 32;

/** How deeply `text` nests arrays and objects, counted outside strings; stops past `limit`. */
function nesting(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      deepest = Math.max(deepest, ++depth);
      if (deepest > limit) break;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Bytes -> JSON, refusing invalid UTF-8, invalid JSON, NUL and lone surrogates with their field. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalidUtf8(bytes);
  }
  if (text.trim() === "") throw notJson("the body is empty");
  if (nesting(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw notJson(`nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw notJson("not valid JSON");
  }
  const problems = textProblems(raw);
  if (problems.length) throw new HttpError(400, "The request has invalid text", problems);
  return raw;
}

function validated<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(400, "The request has invalid fields", fieldErrors(parsed.error));
  }
  return parsed.data;
}

/** The body, size-capped, parsed and checked against `schema`; every refusal names its field. */
export async function readJson<T extends z.ZodType>(
  req: Request,
  schema: T,
  options: ReadOptions = {},
): Promise<z.infer<T>> {
  return validated(schema, parseJsonBytes(await readBody(req, options.maxBytes)));
}

/** As readJson, but an empty (or absent) body is read as `{}`. */
export async function readOptionalJson<T extends z.ZodType>(
  req: Request,
  schema: T,
  options: ReadOptions = {},
): Promise<z.infer<T>> {
  const bytes = await readBody(req, options.maxBytes);
  const empty = bytes.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09);
  return validated(schema, empty ? {} : parseJsonBytes(bytes));
}

/**
 * The reply to a thrown error: known errors become their status (Postgres errors the caller's data
 * caused included); anything else is a 500 that carries only a request id, logged with the error.
 */
export function errorResponse(req: Request, thrown: unknown): Response {
  const error = httpErrorFromSql(thrown) ?? thrown;
  if (error instanceof HttpError && error.status < 500) {
    return json(error.status, { error: error.message, details: error.details });
  }
  if (error instanceof AuthError) return json(error.status, { error: error.message });
  const requestId = crypto.randomUUID();
  console.error(`request ${requestId} (${req.method} ${new URL(req.url).pathname}):`, error);
  const known = error instanceof HttpError;
  return json(
    known ? error.status : 500,
    {
      error: known ? error.message : "internal error",
      ...(known && error.details !== undefined ? { details: error.details } : {}),
      request_id: requestId,
    },
    { "x-request-id": requestId },
  );
}

/** Wraps a handler: whatever it throws becomes a reply (errorResponse); an OPTIONS request is a
 * CORS preflight, answered without running the handler. */
export function handle(
  handler: (req: Request) => Promise<Response>,
): (req: Request) => Promise<Response> {
  const answer = async (req: Request): Promise<Response> => {
    try {
      return await handler(req);
    } catch (error) {
      return errorResponse(req, error);
    }
  };
  return async (req) => req.method === "OPTIONS" ? preflight() : withCors(await answer(req));
}
