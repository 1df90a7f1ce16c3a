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

function clean(v: unknown): unknown {
  if (typeof v === "string") return safeText(v);
  if (Array.isArray(v)) return v.map(clean);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [safeText(k), clean(item)]));
  }
  return v;
}

/**
 * A JSON copy of `value` whose strings and keys Postgres text and jsonb accept, typed as JSON.parse
 * types its result (what postgres.js `sql.json` takes).
 */
export function pgJson(value: unknown): ReturnType<typeof JSON.parse> {
  return clean(JSON.parse(JSON.stringify(value ?? null)));
}
