/**
 * WordPress topics -> category ids, through the WordPress adapter (looked up by name; created when
 * the platform row sets `publish_config.create_categories: true`). Cached per run: one resolver is
 * made per request (API) or per sweep (processor).
 *
 * The adapter needs the platform's credentials, which only the service role may read, so the
 * resolver gets a service-role connection. It is only ever called for a platform row the caller
 * has already read (under RLS for a user), and the credentials never leave the adapter.
 */
import type { AdapterDeps } from "../adapters/adapter.ts";
import { loadAdapter } from "../adapters/registry.ts";
import { WordPressAdapter } from "../adapters/wordpress.ts";
import type { Sql } from "../db.ts";
import type { AdaptPlatform, CategoryResolver } from "./adapt.ts";

type Resolution = Awaited<ReturnType<CategoryResolver>>;

function createAllowed(platform: AdaptPlatform): boolean {
  return platform.publish_config.create_categories === true;
}

export function wordpressCategories(serviceSql: Sql, deps: AdapterDeps = {}): CategoryResolver {
  const cache = new Map<string, Promise<Resolution>>();
  const adapters = new Map<string, Promise<WordPressAdapter>>();

  const adapterFor = (platform: AdaptPlatform) => {
    let adapter = adapters.get(platform.id);
    if (!adapter) {
      adapter = loadAdapter(serviceSql, platform, deps).then((a) => {
        if (!(a instanceof WordPressAdapter)) throw new Error(`${platform.kind} has no categories`);
        return a;
      });
      adapters.set(platform.id, adapter);
    }
    return adapter;
  };

  const resolveOne = async (platform: AdaptPlatform, topic: string): Promise<Resolution> => {
    try {
      const adapter = await adapterFor(platform);
      const create = createAllowed(platform);
      const result = await adapter.ensureCategories([topic], { create });
      if (!result.ok) return { ok: false, message: result.message };
      return result.ids.length || create
        ? { ok: true, ids: result.ids }
        : { ok: false, message: "no such category (publish_config.create_categories is off)" };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  };

  return async (platform, topics) => {
    const ids: number[] = [];
    const problems: string[] = [];
    for (const topic of topics) {
      const key = `${platform.id}\u0000${topic.trim().toLowerCase()}`;
      let resolution = cache.get(key);
      if (!resolution) {
        resolution = resolveOne(platform, topic.trim());
        cache.set(key, resolution);
      }
      const r = await resolution;
      if (r.ok) ids.push(...r.ids.filter((id) => !ids.includes(id)));
      else problems.push(`${topic}: ${r.message}`);
    }
    if (problems.length && !ids.length) return { ok: false, message: problems.join("; ") };
    return { ok: true, ids, ...(problems.length ? { warnings: problems } : {}) };
  };
}
