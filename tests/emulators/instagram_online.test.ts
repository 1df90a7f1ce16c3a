// The Instagram emulator's `online_followers` insight: the Graph API's shape (per local day, hour
// 0-23 -> followers online), highest where the engagement model's Instagram audience is active.
import assert from "node:assert/strict";
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { DEFAULT_IG_ACCOUNT, instagramEmulator } from "../../dev/emulators/instagram.ts";
import { loadEngagementModel } from "../../dev/emulators/engagement.ts";

Deno.test("instagram emulator: online_followers per local day and hour follows the model", async () => {
  const clock = { now: new Date("2026-03-02T12:00:00Z") };
  const emu = serveEmulator(instagramEmulator(), { clock: () => clock.now });
  const base = `${emu.origin}/v23.0/${DEFAULT_IG_ACCOUNT.id}/insights`;
  const get = async (params: Record<string, string>) => {
    const res = await fetch(
      `${base}?${new URLSearchParams({ access_token: "ig-token", ...params })}`,
    );
    return { status: res.status, body: await res.json() };
  };
  try {
    const ok = await get({ metric: "online_followers", period: "lifetime" });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const [metric] = ok.body.data;
    assert.equal(metric.name, "online_followers");
    assert.equal(metric.period, "lifetime");
    assert.equal(metric.id, `${DEFAULT_IG_ACCOUNT.id}/insights/online_followers/lifetime`);
    assert.equal(metric.values.length, 30);
    for (const v of metric.values) {
      assert.match(v.end_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
      assert.ok(new Date(v.end_time.replace("+0000", "Z")) <= clock.now);
      assert.deepEqual(Object.keys(v.value).map(Number).sort((a, b) => a - b), [
        ...Array(24).keys(),
      ]);
    }
    // The busiest hour summed over the days is the model's best Instagram hour of the week.
    const model = loadEngagementModel();
    const total = Array.from(
      { length: 24 },
      (_, h) =>
        metric.values.reduce(
          (s: number, v: { value: Record<string, number> }) => s + v.value[h],
          0,
        ),
    );
    const busiest = total.indexOf(Math.max(...total));
    const weekly = Array.from(
      { length: 24 },
      (_, h) => [0, 1, 2, 3, 4, 5, 6].reduce((s, d) => s + model.localFactor("instagram", d, h), 0),
    );
    assert.equal(busiest, weekly.indexOf(Math.max(...weekly)));
    assert.ok(Math.max(...total) > 2 * Math.min(...total), JSON.stringify(total));

    const noPeriod = await get({ metric: "online_followers", period: "day" });
    assert.equal(noPeriod.status, 400);
    assert.equal(noPeriod.body.error.code, 100);
    const otherUser = await get({ metric: "views" });
    assert.equal(otherUser.body.error.code, 100);
  } finally {
    await emu.close();
  }
});
