// The audience activity read of a metrics run: for each Instagram platform not read in the last day
// (SQL claims it, one read from its metrics read budget), the platform's report of when its
// audience is online (the adapter's getAudienceActivity), stored as its latest hour profile. A
// failure is recorded on the platform's row and never stops the metric reads.
import type { Sql } from "../db.ts";
import type { PlatformDirectory } from "../platforms/directory.ts";

export interface AudienceReport {
  read: number;
  failed: number;
}

async function record(
  sql: Sql,
  platformId: string,
  hours: number[] | null,
  days: number,
  error: string | null,
) {
  await sql`select private.record_audience_activity(${platformId}::uuid, ${hours}::numeric[],
                                                    ${days}, ${error})`;
}

export async function syncAudienceActivity(
  sql: Sql,
  platforms: PlatformDirectory,
  limit = 20,
): Promise<AudienceReport> {
  const report: AudienceReport = { read: 0, failed: 0 };
  const due = await sql<{ platform_id: string }[]>`
    select platform_id from private.claim_audience_activity_due(${limit})`;
  await Promise.all(due.map(async ({ platform_id }) => {
    let error: string;
    try {
      const entry = await platforms.get(platform_id);
      if ("error" in entry.adapter) {
        error = entry.adapter.error;
      } else if (!entry.adapter.getAudienceActivity) {
        error = "the platform does not report when its audience is online";
      } else {
        const result = await entry.adapter.getAudienceActivity();
        if (result.ok) {
          await record(sql, platform_id, result.hours, result.days, null);
          report.read++;
          return;
        }
        error = result.message;
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    report.failed++;
    await record(sql, platform_id, null, 0, error).catch(() => undefined);
  }));
  return report;
}
