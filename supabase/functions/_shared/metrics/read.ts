// One post's metric read: the platform's adapter answer turned into a batch element. An unsupported
// call or a failure becomes a failure element, never a snapshot of zeros; an answer that the post does
// not exist becomes a `removed` element.
import type { MetricsResult } from "../adapters/types.ts";
import type { PlatformEntry } from "../platforms/directory.ts";
import type { ClaimedMetricsRow, MetricsBatchElement } from "./contract.ts";

export function toBatchElement(
  row: ClaimedMetricsRow,
  result: MetricsResult,
  recordedAt: Date,
): MetricsBatchElement {
  const distribution_id = row.distribution_id;
  if (result.ok) {
    return {
      distribution_id,
      ok: true,
      recorded_at: recordedAt.toISOString(),
      metrics: result.metrics,
    };
  }
  if (result.unsupported) {
    return {
      distribution_id,
      ok: false,
      error: `metrics not supported: ${result.message}`,
      error_class: "permanent",
    };
  }
  if (result.gone) {
    // The platform says the post does not exist: the database marks it removed on the platform.
    return {
      distribution_id,
      ok: false,
      error: `removed on the platform: ${result.message}`,
      error_class: "permanent",
      removed: true,
    };
  }
  return {
    distribution_id,
    ok: false,
    error: result.message,
    error_class: result.errorClass,
    retry_at: result.resetAt?.toISOString(),
  };
}

/** Reads one post through its platform's adapter (or records why the platform has none). */
export async function readMetrics(
  entry: PlatformEntry,
  row: ClaimedMetricsRow,
  now: () => Date,
): Promise<MetricsBatchElement> {
  if ("error" in entry.adapter) {
    return {
      distribution_id: row.distribution_id,
      ok: false,
      error: entry.adapter.error,
      error_class: entry.adapter.errorClass,
    };
  }
  try {
    const result = await entry.adapter.getMetrics(row.external_id);
    return toBatchElement(row, result, now());
  } catch (error) {
    // Adapters do not throw for platform reasons; this is a bug or a network layer surprise.
    return {
      distribution_id: row.distribution_id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      error_class: "transient",
    };
  }
}
