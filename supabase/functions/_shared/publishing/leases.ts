// The leases of the rows a run is sending. A claim is held until its batch is recorded; every third
// of a lease, the claims held that long are extended, so a long attempt (a large upload), or a batch
// waiting for its slowest row, is not taken over by another run while this one lives.
import type { Sql } from "../db.ts";
import { type ClaimedRow, extendLeases } from "./queue.ts";

interface Held {
  id: string;
  attempt_id: string;
  claimedAt: number;
}

export class HeldLeases {
  private readonly held = new Map<string, Held>();
  private readonly heartbeatMs: number;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private extending = false;

  constructor(private readonly sql: Sql, private readonly leaseSeconds: number) {
    this.heartbeatMs = (leaseSeconds * 1000) / 3;
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
  }

  /** Holds the batch's claims from now on. */
  hold(batch: ClaimedRow[]): void {
    const claimedAt = Date.now();
    for (const row of batch) {
      this.held.set(row.id, { id: row.id, attempt_id: row.attempt_id, claimedAt });
    }
  }

  /** Lets the batch's claims go (its outcomes are recorded, or recording gave up). */
  release(batch: ClaimedRow[]): void {
    for (const row of batch) this.held.delete(row.id);
  }

  stop(): void {
    clearInterval(this.heartbeat);
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    const claims = [...this.held.values()].filter((c) => now - c.claimedAt >= this.heartbeatMs)
      .map(({ id, attempt_id }) => ({ id, attempt_id }));
    if (this.extending || claims.length === 0) return;
    this.extending = true;
    try {
      const still = await extendLeases(this.sql, claims, this.leaseSeconds);
      // a row another run took over (its lease lapsed after all) is no longer this run's to extend
      for (const { id } of claims) if (!still.has(id)) this.held.delete(id);
    } catch (error) {
      // the next beat tries again; if none gets through, the leases lapse and are reconciled
      console.error("extending the leases of rows being sent failed:", error);
    } finally {
      this.extending = false;
    }
  }
}
