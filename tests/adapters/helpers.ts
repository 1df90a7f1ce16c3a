/** Shared test helpers: platform rows, an attempt id, result narrowing. */
import assert from "node:assert/strict";
import type {
  Failure,
  PlatformKind,
  PlatformRow,
} from "../../supabase/functions/_shared/adapters/types.ts";

export function platformRow(
  kind: PlatformKind,
  publishConfig: Record<string, unknown>,
): PlatformRow {
  return {
    id: crypto.randomUUID(),
    client_id: crypto.randomUUID(),
    kind,
    name: `${kind} test`,
    publish_config: publishConfig,
    credentials_secret_id: null,
  };
}

/** Assert a result succeeded and narrow it. */
export function assertOk<T extends { ok: boolean }>(result: T): asserts result is T & { ok: true } {
  assert.equal(result.ok, true, `expected success, got ${JSON.stringify(result)}`);
}

/** Assert a classified failure (not an unsupported operation) and return it. */
export function assertFailure(result: { ok: boolean }, errorClass: Failure["errorClass"]): Failure {
  assert.equal(result.ok, false, `expected failure, got ${JSON.stringify(result)}`);
  const failure = result as Failure;
  assert.equal(failure.unsupported, undefined);
  assert.equal(failure.errorClass, errorClass, `got ${JSON.stringify(result)}`);
  return failure;
}

export const longBody = (n: number) => "x".repeat(n);

/** A request as `recordingFetch` kept it: its method, URL and byte-range headers. */
export interface SentRequest {
  method: string;
  url: string;
  range?: string;
  contentRange?: string;
}

/**
 * A fetch for an adapter that keeps every request it sends; `before` sees each first and may send it
 * to another URL. `mediaGets` are the Range headers sent to the emulators' media host, `puts` the
 * Content-Range headers of the uploads.
 */
export function recordingFetch(before?: (req: SentRequest) => string | void) {
  const sent: SentRequest[] = [];
  const recording: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    const req = {
      method: init?.method ?? "GET",
      url: String(input),
      range: headers.get("range") ?? undefined,
      contentRange: headers.get("content-range") ?? undefined,
    };
    sent.push(req);
    return fetch(before?.(req) ?? input, init);
  };
  return {
    fetch: recording,
    sent,
    mediaGets: () => sent.filter((r) => r.url.includes("/__emulator/media/")).map((r) => r.range),
    puts: () => sent.filter((r) => r.method === "PUT").map((r) => r.contentRange ?? ""),
  };
}
