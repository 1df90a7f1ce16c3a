// Postgres errors a caller's data causes, as HTTP refusals naming the field where the error says
// which one. `handle` applies this to whatever a handler lets escape, so no endpoint answers 500 for
// a value the database refuses; anything else stays an internal error.
import { HttpError } from "./http-error.ts";

interface PgError {
  code: string;
  message: string;
  detail?: string;
  column_name?: string;
  constraint_name?: string;
  table_name?: string;
}

function isPgError(error: unknown): error is PgError {
  return error instanceof Error && "code" in error && typeof error.code === "string" &&
    /^[0-9A-Z]{5}$/.test(error.code);
}

/** The SQL half's DETAIL: a JSON list of {field, message}, when it gives one. */
function detailFields(
  detail: string | undefined,
): { field: string; message: string }[] | undefined {
  if (!detail?.startsWith("[")) return undefined;
  try {
    const parsed = JSON.parse(detail);
    if (
      Array.isArray(parsed) && parsed.length > 0 &&
      parsed.every((e) => typeof e?.field === "string" && typeof e?.message === "string")
    ) {
      return parsed.map((e) => ({ field: e.field, message: e.message }));
    }
  } catch {
    // not the SQL half's field list: the column or constraint names the field instead
  }
  return undefined;
}

/** The column a constraint is about: `distributions_priority_check` -> `priority`. */
function constraintField(e: PgError): string | undefined {
  const name = e.constraint_name;
  if (!name) return undefined;
  const table = e.table_name ? `${e.table_name}_` : "";
  const core = name.startsWith(table) ? name.slice(table.length) : name;
  return core.replace(/_(check|fkey|key|pkey|excl)$/, "") || undefined;
}

function refusal(status: number, e: PgError): HttpError {
  const field = e.column_name || constraintField(e) || "(body)";
  return new HttpError(
    status,
    e.message,
    detailFields(e.detail) ?? [{ field, message: e.message }],
  );
}

/** The HTTP error for a Postgres error the caller's data caused, or undefined. */
export function httpErrorFromSql(error: unknown): HttpError | undefined {
  if (!isPgError(error)) return undefined;
  const code = error.code;
  // no_data_found: unknown, or another client's
  if (code === "P0002" || code === "02000") return new HttpError(404, error.message);
  // insufficient_privilege / RLS: e.g. a viewer trying to write
  if (code === "42501") return new HttpError(403, error.message);
  // object_not_in_prerequisite_state: an illegal state change
  if (code === "55000") return new HttpError(409, error.message);
  // optimize: every allowed slot up to the client's optimize_max_days_ahead is full (scheduling.find_slot)
  if (code === "SL409") {
    return new HttpError(409, error.message, [{ field: "optimize", message: error.message }]);
  }
  // unique_violation: the value is taken
  if (code === "23505") return refusal(409, error);
  // the status machine trigger (check_violation) names both states
  if (code === "23514" && /illegal status change/i.test(error.message)) {
    return new HttpError(409, error.message);
  }
  // data exceptions (22xxx: bad text representation, dates, ranges, encodings), integrity
  // violations a value causes (not null, foreign key, check), and what our functions raise
  if (code.startsWith("22") || ["23502", "23503", "23514", "P0001"].includes(code)) {
    return refusal(400, error);
  }
  if (code === "54000") return refusal(413, error); // program_limit_exceeded: a value too large
  return undefined;
}

/** Runs `work`, turning a Postgres error the caller's data caused into its HTTP error. */
export async function mappingSqlErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw httpErrorFromSql(error) ?? error;
  }
}
