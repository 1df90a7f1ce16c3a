// A function's reply as its callers (the tests, the demo) read it, whatever its status: supabase-js
// `functions.invoke`, with a non-2xx reply read from the FunctionsHttpError's Response.
import {
  type FunctionInvokeOptions,
  FunctionsHttpError,
  type SupabaseClient,
} from "@supabase/supabase-js";
import type { Database } from "../supabase/functions/_shared/database.types.ts";

/** A reply's status and body: parsed JSON, the text when it is not JSON (a feed), null when empty. */
export async function replyOf(res: Response): Promise<{ status: number; body: unknown }> {
  const text = await res.text();
  if (!text) return { status: res.status, body: null };
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** A function's reply as a caller reads it: the status and the body (what supabase-js parsed: JSON by
 * content type, else text; null when empty). */
export interface FunctionReply {
  status: number;
  // deno-lint-ignore no-explicit-any -- callers read whatever the function answered
  body: any;
}

/** Calls a function with supabase-js `functions.invoke`, as the project's callers do. `name` may go on
 * with a path and query (`schedule/posts?x=1`). Any status comes back: a non-2xx reply is a
 * FunctionsHttpError whose `context` is the Response, read here. A network failure throws. */
export async function invokeFunction(
  client: SupabaseClient<Database>,
  name: string,
  options: FunctionInvokeOptions = {},
): Promise<FunctionReply> {
  const { data, error, response } = await client.functions.invoke(name, options);
  if (error instanceof FunctionsHttpError) return replyOf(error.context as Response);
  if (error) throw error;
  return { status: response?.status ?? 0, body: data === "" ? null : data };
}
