// The one rule for text from outside: Postgres text and jsonb cannot hold U+0000, and a lone UTF-16
// surrogate is not a character. A caller's request with either is refused (textProblems, applied by
// readJson to every body); what a platform sends or answers is stored with each replaced by U+FFFD
// (pgJson), since a platform's text is not ours to refuse and must not make a write fail.

const NUL = "\u0000";

export interface TextProblem {
  field: string;
  message: string;
}

/** Why `text` cannot be stored, or undefined when it can. */
export function badText(text: string): string | undefined {
  if (text.includes(NUL)) return "must not contain the NUL character (\\u0000)";
  // a high surrogate not followed by a low one, or a low one not preceded by a high one
  if (!text.isWellFormed()) return "must not contain a lone UTF-16 surrogate (e.g. \\ud800)";
  return undefined;
}

/** A field path as the caller wrote it: `content.title`, `variants.1.body`, `metadata.key`. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join(".") : "(body)";
}

/**
 * Every string and object key in a parsed JSON value that breaks the rule, named by its path (at
 * most `limit` of them). A bad key is named by the path to it with the key itself made safe.
 */
export function textProblems(value: unknown, limit = 20): TextProblem[] {
  const found: TextProblem[] = [];
  const walk = (v: unknown, path: PropertyKey[]): void => {
    if (found.length >= limit) return;
    if (typeof v === "string") {
      const problem = badText(v);
      if (problem) found.push({ field: fieldName(path), message: problem });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...path, i]));
    } else if (v !== null && typeof v === "object") {
      for (const [key, item] of Object.entries(v)) {
        const problem = badText(key);
        if (problem) {
          found.push({ field: fieldName([...path, safeText(key)]), message: `key ${problem}` });
        } else walk(item, [...path, key]);
      }
    }
  };
  walk(value, []);
  return found;
}

/** `text` with NUL and lone surrogates replaced by U+FFFD. */
export function safeText(text: string): string {
  return text.replaceAll(NUL, "\ufffd").toWellFormed();
}

/** Deeper than this, a platform's JSON is cut (a value nested past it is stored as null). */
export const MAX_STORED_DEPTH = 64;

function clean(v: unknown, depth: number): unknown {
  if (depth > MAX_STORED_DEPTH) return null;
  const value = v !== null && typeof v === "object" && "toJSON" in v &&
      typeof v.toJSON === "function"
    ? v.toJSON()
    : v;
  if (typeof value === "string") return safeText(value);
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, item]) => [safeText(k), clean(item, depth + 1)]),
    );
  }
  return value;
}

/**
 * A JSON copy of `value` whose strings and keys Postgres text and jsonb accept and whose nesting is
 * bounded, typed as JSON.parse types its result (what postgres.js `sql.json` takes).
 */
export function pgJson(value: unknown): ReturnType<typeof JSON.parse> {
  return JSON.parse(JSON.stringify(clean(value ?? null, 0)) ?? "null");
}
