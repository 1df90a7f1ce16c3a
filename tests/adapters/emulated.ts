import assert from "node:assert/strict";
import type {
  DistributionContent,
  ValidationResult,
} from "../../supabase/functions/_shared/adapters/types.ts";
/** Run a test body against one in-process emulator on port 0 with a settable clock; always closed. */
import {
  type EmulatorDefinition,
  type RunningEmulator,
  serveEmulator,
} from "../../dev/emulators/framework.ts";

export interface TestClock {
  now: Date;
  advance(ms: number): void;
}

export function testClock(start: string): TestClock {
  const clock = {
    now: new Date(start),
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  return clock;
}

export async function withEmulator<S>(
  definition: EmulatorDefinition<S>,
  start: string,
  fn: (emu: RunningEmulator<S>, clock: TestClock) => Promise<void>,
): Promise<void> {
  const clock = testClock(start);
  const emu = serveEmulator(definition, { clock: () => clock.now });
  try {
    await fn(emu, clock);
  } finally {
    await emu.close();
  }
}

/** One case of a validation table: name, content, whether it is valid, what the errors must say. */
export type ValidationCase = [string, DistributionContent, boolean, RegExp?];

/** Run a validation table as test steps. */
export async function validationTable(
  t: Deno.TestContext,
  adapter: { validate(content: DistributionContent): ValidationResult },
  cases: ValidationCase[],
): Promise<void> {
  for (const [name, content, valid, message] of cases) {
    await t.step(name, () => {
      const result = adapter.validate(content);
      assert.equal(result.valid, valid, JSON.stringify(result.errors));
      if (message) {
        assert.match(result.errors.map((e) => `${e.field}: ${e.message}`).join("\n"), message);
      }
    });
  }
}
