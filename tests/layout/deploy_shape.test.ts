// Every function builds and starts as `supabase functions deploy` ships it: the CLI sees only
// supabase/functions/ and supabase/config.toml, and resolves a function's bare imports with the
// import map config.toml names for it (`[functions.<name>] import_map`, relative to supabase/), else
// the function's own deno.json / deno.jsonc / import_map.json, else supabase/functions/import_map.json;
// never the repository root's deno.json. So both are copied alone into an empty directory, and each
// function is type-checked and run there with only that configuration (`--no-config` keeps the root
// deno.json and its lockfile out) and serves one request on a loopback port, with the stack's env; then
// bundled into one file the same way, which serves one request from a directory holding only it.
import assert from "node:assert/strict";
import { dirname, isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const deno = Deno.execPath();

type FunctionSettings = { import_map?: string };

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    if (entry.isDirectory) await copyTree(source, join(to, entry.name));
    else if (entry.isFile) await Deno.copyFile(source, join(to, entry.name));
    else throw new Error(`${relative(repo, source)} is neither a file nor a directory`);
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The deployable functions: supabase/functions/<slug>/index.ts, as the CLI discovers them. */
function slugsIn(functionsDir: string): string[] {
  return [...Deno.readDirSync(functionsDir)]
    .filter((e) => e.isDirectory && /^[A-Za-z][A-Za-z0-9_-]*$/.test(e.name))
    .filter((e) => isFile(join(functionsDir, e.name, "index.ts")))
    .map((e) => e.name)
    .sort();
}

/** The file the CLI bundles a function with (no --import-map flag), in its order of precedence. */
function deployConfigOf(supabaseDir: string, slug: string, settings: FunctionSettings): string {
  const functionDir = join(supabaseDir, "functions", slug);
  const configured = settings.import_map;
  const candidates = [
    ...(configured ? [isAbsolute(configured) ? configured : join(supabaseDir, configured)] : []),
    join(functionDir, "deno.json"),
    join(functionDir, "deno.jsonc"),
    join(functionDir, "import_map.json"),
    join(supabaseDir, "functions", "import_map.json"),
  ];
  const found = configured ? candidates[0] : candidates.find(isFile);
  if (!found || !isFile(found)) throw new Error(`${slug}: no import map at ${found ?? "any path"}`);
  return found;
}

/** Deno's flag for that file: a deno.json(c) is a config file, anything else an import map. */
function configFlags(file: string): string[] {
  return /\/deno\.jsonc?$/.test(file) ? ["--config", file] : ["--no-config", "--import-map", file];
}

async function run(args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  const out = await new Deno.Command(deno, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  return { ok: out.success, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

/** The function's env: the stack's, without the test-only Auth signing key, serving on loopback. */
function functionEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.AUTH_SIGNING_JWK;
  return { ...env, NO_COLOR: "1", DENO_SERVE_ADDRESS: "tcp:127.0.0.1:0" };
}

/** Runs the function's index.ts (or `entry`), waits for Deno.serve to listen, sends one request, stops it. */
async function serveOne(
  cwd: string,
  slug: string,
  flags: string[],
  entry = join("supabase", "functions", slug, "index.ts"),
): Promise<Response> {
  const child = new Deno.Command(deno, {
    args: ["run", "-A", ...flags, entry],
    cwd,
    clearEnv: true,
    env: functionEnv(),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  try {
    let port: number | undefined;
    while (port === undefined) {
      const { value, done } = await reader.read();
      if (done) {
        throw new Error(`${slug} exited before serving:\n${log}`);
      }
      log += value;
      const listening = log.match(/Listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (listening) port = Number(listening[1]);
    }
    const res = await fetch(`http://127.0.0.1:${port}/${slug}`);
    await res.body?.cancel();
    return res;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // It has exited already (the error above says why).
    }
    await child.status;
    await reader.cancel();
  }
}

Deno.test("each function type-checks and serves from supabase/functions/ and config.toml alone", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "deploy-shape-" });
  try {
    const supabaseDir = join(work, "supabase");
    await copyTree(join(repo, "supabase", "functions"), join(supabaseDir, "functions"));
    await Deno.copyFile(join(repo, "supabase", "config.toml"), join(supabaseDir, "config.toml"));
    const settings = (parseToml(await Deno.readTextFile(join(supabaseDir, "config.toml")))
      .functions ?? {}) as Record<string, FunctionSettings>;
    const slugs = slugsIn(join(supabaseDir, "functions"));
    assert.ok(slugs.includes("health"), `functions found: ${slugs.join(", ")}`);

    await t.step("config.toml names each function's import map, inside supabase/functions/", () => {
      for (const slug of slugs) {
        assert.ok(settings[slug]?.import_map, `[functions.${slug}] has no import_map`);
        const file = deployConfigOf(supabaseDir, slug, settings[slug]);
        assert.ok(!relative(join(supabaseDir, "functions"), file).startsWith(".."), file);
      }
    });

    // Functions sharing one configuration are checked in one run; each is a root of it.
    const byConfig = new Map<string, string[]>();
    for (const slug of slugs) {
      const file = deployConfigOf(supabaseDir, slug, settings[slug] ?? {});
      byConfig.set(file, [...(byConfig.get(file) ?? []), slug]);
    }
    await t.step("each function type-checks with only its deploy configuration", async () => {
      for (const [file, group] of byConfig) {
        const entries = group.map((slug) => join("supabase", "functions", slug, "index.ts"));
        const { ok, output } = await run(["check", ...configFlags(file), ...entries], work);
        assert.ok(ok, `deno check ${group.join(", ")} with ${relative(work, file)}:\n${output}`);
      }
    });

    for (const slug of slugs) {
      await t.step(`${slug} starts and answers a request without credentials`, async () => {
        const flags = configFlags(deployConfigOf(supabaseDir, slug, settings[slug] ?? {}));
        const res = await serveOne(work, slug, flags);
        if (slug === "health") assert.equal(res.status, 200);
        else assert.ok(res.status >= 400 && res.status < 500, `${slug} answered ${res.status}`);
      });
    }

    // A real bundle, as deploy makes one: each function and everything it imports in one file, resolved
    // with only its deploy configuration. `supabase functions deploy` bundles in Docker or on Supabase's
    // servers (--use-api), neither reachable here; `deno bundle` (esbuild) does the same resolution
    // offline, and the bundle then runs from a directory holding nothing else.
    const bundles = join(work, "bundles");
    await t.step(
      "each function bundles into one file with only its deploy configuration",
      async () => {
        for (const [file, group] of byConfig) {
          const entries = group.map((slug) => join("supabase", "functions", slug, "index.ts"));
          const { ok, output } = await run(
            // Several entries keep their directories under --outdir; a lone one is written as named.
            [
              "bundle",
              ...configFlags(file),
              "--platform",
              "deno",
              ...(
                group.length === 1
                  ? ["--output", join(bundles, group[0], "index.js")]
                  : ["--outdir", bundles]
              ),
              ...entries,
            ],
            work,
          );
          assert.ok(ok, `deno bundle ${group.join(", ")} with ${relative(work, file)}:\n${output}`);
        }
        for (const slug of slugs) {
          const code = await Deno.readTextFile(join(bundles, slug, "index.js"));
          const imports = [...code.matchAll(/^import\s[^;]*?\sfrom\s+"([^"]+)";?$/gm)].map((m) =>
            m[1]
          );
          const outside = imports.filter((specifier) => !specifier.startsWith("node:"));
          assert.deepEqual(outside, [], `${slug}'s bundle imports more than node: built-ins`);
        }
      },
    );

    for (const slug of slugs) {
      await t.step(`${slug}'s bundle starts and answers alone`, async () => {
        const res = await serveOne(join(bundles, slug), slug, ["--no-config"], "index.js");
        if (slug === "health") assert.equal(res.status, 200);
        else assert.ok(res.status >= 400 && res.status < 500, `${slug} answered ${res.status}`);
      });
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

// The repository root's deno.json takes its imports from the functions' import map, so the
// functions, dev/, tests and bench resolve every package to the same pinned version.
Deno.test("the root deno.json uses the functions' import map and declares no imports of its own", async () => {
  const root = JSON.parse(await Deno.readTextFile(join(repo, "deno.json")));
  assert.equal(root.importMap, "supabase/functions/import_map.json");
  assert.equal(root.imports, undefined);
  assert.equal(root.scopes, undefined);
  const map = JSON.parse(await Deno.readTextFile(join(repo, root.importMap)));
  for (const [name, target] of Object.entries(map.imports as Record<string, string>)) {
    assert.match(
      target,
      /^npm:(@[^/]+\/)?[^@/]+@\d+\.\d+\.\d+$/,
      `${name} is not pinned: ${target}`,
    );
  }
  assert.equal(dirname(join(repo, root.importMap)), join(repo, "supabase", "functions"));
});
