// What a function loads when it starts. Every cold start pays for the modules a function imports
// statically, and a publish run is a cold start whenever its worker is new (a burst starts several).
// Two packages are loaded only where they are used: the Mailchimp client (60-90 ms of CPU) when an
// email adapter first sends, through a dynamic import (adapters/mailchimp-client.ts), and xmlbuilder2
// (about 50 ms) only by the podcast feed (podcast/episode.ts holds what the adapter validates).
// The graphs are read with `deno info --json`, as the deploy bundler resolves them: a dynamic import
// with a literal specifier is still in the graph, so the bundle still carries the package.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const functionsDir = join(repo, "supabase", "functions");

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface Module {
  specifier: string;
  dependencies?: Dependency[];
}

/** The npm packages a function's entry point reaches: statically, and only through dynamic imports. */
async function packagesOf(slug: string): Promise<{ startUp: Set<string>; onDemand: Set<string> }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", join(functionsDir, slug, "index.ts")],
    cwd: repo,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `deno info ${slug}: ${new TextDecoder().decode(out.stderr)}`);
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: Module[];
  };
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const packageOf = (specifier: string) =>
    specifier.match(/^npm:\/?((?:@[^/@]+\/)?[^/@]+)/)?.[1] ?? null;
  const reach = (from: string[], followDynamic: boolean): Set<string> => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [...from];
    while (queue.length > 0) {
      const specifier = queue.pop()!;
      if (seen.has(specifier)) continue;
      seen.add(specifier);
      const pkg = packageOf(specifier);
      if (pkg) {
        packages.add(pkg);
        continue;
      }
      for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
        if (dep.code && (followDynamic || !dep.isDynamic)) queue.push(dep.code.specifier);
      }
    }
    return packages;
  };
  const startUp = reach(graph.roots, false);
  const all = reach(graph.roots, true);
  return { startUp, onDemand: new Set([...all].filter((p) => !startUp.has(p))) };
}

const slugs = [...Deno.readDirSync(functionsDir)]
  .filter((e) => e.isDirectory && !e.name.startsWith("_"))
  .map((e) => e.name)
  .sort();

Deno.test("start-up imports: the Mailchimp client loads on an email adapter's first send, xmlbuilder2 only in the podcast feed", async () => {
  const graphs = new Map(
    await Promise.all(slugs.map(async (s) => [s, await packagesOf(s)] as const)),
  );
  assert.ok(graphs.size >= 15, `read ${graphs.size} functions`);
  const loading = (pkg: string) => slugs.filter((s) => graphs.get(s)!.startUp.has(pkg));
  assert.deepEqual(loading("@mailchimp/mailchimp_marketing"), []);
  assert.deepEqual(loading("xmlbuilder2"), ["podcast-feed"]);
  // The publish function still carries the client for its email posts, and loads what X needs.
  const publish = graphs.get("publish")!;
  assert.ok(publish.onDemand.has("@mailchimp/mailchimp_marketing"), "publish bundles the client");
  assert.ok(publish.startUp.has("twitter-api-v2"), "publish loads twitter-api-v2 at start");
});
