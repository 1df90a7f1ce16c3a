// The functions' modules import one another without a circle: a module's dependencies can be read
// (and loaded) before it, whatever imports it first.
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../supabase/functions/", import.meta.url));
const IMPORT = /(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+\.ts)["']/gs;

function modules(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...modules(path));
    else if (entry.name.endsWith(".ts")) found.push(path);
  }
  return found;
}

/** The strongly connected components of more than one module (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

Deno.test("no import circle among the functions' modules", () => {
  const graph = new Map<string, string[]>();
  for (const path of modules(root)) {
    const source = Deno.readTextFileSync(path);
    const targets = [...source.matchAll(IMPORT)].map((m) => normalize(join(dirname(path), m[1])));
    graph.set(path, targets);
  }
  assert.ok(graph.size > 50, `read ${graph.size} modules`);
  const found = circles(graph).map((c) => c.map((p) => relative(root, p)).sort());
  assert.deepEqual(found, []);
});
