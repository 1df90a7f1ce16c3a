/** The production wiring of scheduling's dependencies: adapter validators and WordPress categories. */
import { validatorFor } from "../adapters/registry.ts";
import { db } from "../db.ts";
import { wordpressCategories } from "./categories.ts";
import type { SchedulingDeps } from "./schedule.ts";

/** One per request or per processor run (the category cache lives as long as it does). */
export function schedulingDeps(): SchedulingDeps {
  return { validatorFor, categories: wordpressCategories(db()) };
}
