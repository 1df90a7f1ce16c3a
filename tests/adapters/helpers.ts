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
