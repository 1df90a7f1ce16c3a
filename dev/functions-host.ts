// Serves every supabase/functions/<name>/index.ts at /functions/v1/<name>, as the Supabase edge
// gateway does: the JWT is verified (an asymmetric token against the project's JWKS, a legacy HS256
// one with the project's secret) unless config.toml sets `verify_jwt = false` for that function; every
// function verifies its caller again itself (supabase/functions/_shared/auth.ts). It also serves the
// project's JWKS at /auth/v1/.well-known/jwks.json, where hosted Auth publishes it. Each function runs
// in a worker process of its own (dev/functions-worker.ts: the function's top-level Deno.serve(handler)
// serves a unix socket there), within the hosted limits (CPU, memory, wall clock, idle timeout:
// dev/functions-limits.ts, docs/local-stack.md).
import { parse as parseToml } from "smol-toml";
import { join as joinPath } from "node:path";
import { fileURLToPath } from "node:url";
import { envAuthConfig, JwksSchema } from "../supabase/functions/_shared/auth/config.ts";
import { AuthError } from "../supabase/functions/_shared/auth/error.ts";
import { verifyJwt } from "../supabase/functions/_shared/auth/jwt.ts";
import { envLimits, FunctionWorkers } from "./functions-limits.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const functionsDir = joinPath(root, "supabase", "functions");
// FUNCTIONS_EXTRA_DIR: one more directory of functions (<dir>/<name>/index.ts), set only by tests that
// need functions which must not ship (tests/stack/functions_limits.test.ts); supabase/functions wins a
// name both hold.
const extraDir = Deno.env.get("FUNCTIONS_EXTRA_DIR") || null;
const port = Number(Deno.env.get("API_PORT") ?? new URL(requireEnv("SUPABASE_URL")).port);
const jwksBody = JSON.stringify(JwksSchema.parse(JSON.parse(requireEnv("SUPABASE_JWKS"))));
const authConfig = envAuthConfig();

function requireEnv(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

// Read once, as the Supabase CLI does: a change to config.toml needs a restart (npm stop; npm start).
const functionSettings = (parseToml(
  Deno.readTextFileSync(joinPath(root, "supabase", "config.toml")),
).functions ?? {}) as Record<string, { verify_jwt?: boolean }>;

function verifyJwtSetting(name: string): boolean {
  return functionSettings[name]?.verify_jwt ?? true;
}

/** The function's index.ts, or null when there is no such function. */
function functionFile(name: string): string | null {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) return null;
  for (const dir of extraDir ? [functionsDir, extraDir] : [functionsDir]) {
    const file = joinPath(dir, name, "index.ts");
    try {
      if (Deno.statSync(file).isFile) return file;
    } catch {
      // not in this directory
    }
  }
  return null;
}

const workers = new FunctionWorkers(
  envLimits(),
  Deno.makeTempDirSync({ prefix: "functions-" }),
);

function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

async function checkJwt(req: Request): Promise<Response | null> {
  const header = req.headers.get("authorization");
  if (!header) return json(401, { code: 401, message: "Missing authorization header" });
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return json(401, { code: 401, message: "Invalid JWT: expected 'Bearer <token>'" });
  try {
    await verifyJwt(match[1], authConfig);
    return null;
  } catch (error) {
    const reason = error instanceof AuthError ? error.message : "Invalid JWT";
    return json(401, { code: 401, message: reason });
  }
}

// Auth's key discovery endpoint; public, as on hosted Supabase.
function jwks(req: Request): Response {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return json(405, { code: 405, message: "use GET" });
  }
  return new Response(req.method === "HEAD" ? null : jwksBody, {
    headers: { "content-type": "application/json", "cache-control": "public, max-age=600" },
  });
}

// Hosted products the local stack does not run, by the path prefix a hosted project serves them at:
// a caller (supabase-js `.from()`, `.rpc()`, `auth.*`, `storage`) learns that, and what to use here.
const ABSENT: [prefix: string, product: string, instead: string][] = [
  [
    "/rest/v1/",
    "PostgREST (the REST API)",
    "query the database with psql as a member (set role authenticated and request.jwt.claims), " +
    "or call the function or view directly",
  ],
  [
    "/auth/v1/",
    "Auth (sign-in)",
    "npm run -s token -- <user-id> prints a signed access token; the JWKS is at " +
    "/auth/v1/.well-known/jwks.json",
  ],
  ["/storage/v1/", "Storage", "the system keeps media at the URLs posts name"],
  ["/realtime/v1/", "Realtime", "poll the views (platform_health, failed_distributions, ...)"],
  ["/graphql/v1", "GraphQL", "query the database with psql"],
];

/** The 501 a hosted product the local stack lacks answers with, or null for other paths. */
function absentProduct(pathname: string): Response | null {
  const hit = ABSENT.find(([prefix]) => pathname.startsWith(prefix));
  if (!hit) return null;
  const [, product, instead] = hit;
  return json(501, {
    code: 501,
    message:
      `${product} is not part of the local stack (it is on a hosted project). Locally: ${instead}. ` +
      "See docs/local-stack.md, What works where.",
  });
}

async function route(req: Request): Promise<Response> {
  const url = publicUrl(req);
  if (url.pathname === "/auth/v1/.well-known/jwks.json") return jwks(req);
  const absent = absentProduct(url.pathname);
  if (absent) return absent;
  const match = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!match) {
    return json(404, { code: 404, message: "Not found: functions live at /functions/v1/<name>" });
  }
  const [, name, rest = ""] = match;
  const file = functionFile(name);
  if (!file) return json(404, { code: 404, message: `Function not found: ${name}` });
  if (req.method !== "OPTIONS" && verifyJwtSetting(name)) {
    const refused = await checkJwt(req);
    if (refused) return refused;
  }
  // Inside a function the path starts at its name, as on Supabase: /<name>/<rest>.
  return await workers.serve(name, file, req, `${url.origin}/${name}${rest}${url.search}`);
}

// On a unix socket a request's URL has no origin: the functions see the one the caller used (its Host).
function publicUrl(req: Request): URL {
  const url = new URL(req.url);
  if (!socket) return url;
  return new URL(
    `${url.pathname}${url.search}`,
    `http://${req.headers.get("host") ?? `127.0.0.1:${port}`}`,
  );
}

// FUNCTIONS_SOCKET: one of several workers behind dev/functions-balancer.ts (FUNCTIONS_WORKERS > 1 in
// dev/stack.sh), serving a unix socket; otherwise the functions port itself.
const socket = Deno.env.get("FUNCTIONS_SOCKET");
const server = socket
  ? Deno.serve({
    path: socket,
    onListen: () => console.log(`functions host worker listening on ${socket}`),
  }, route)
  : Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: ({ port }) =>
      console.log(`functions host listening on http://127.0.0.1:${port}/functions/v1/<name>`),
  }, route);

// Stopped (npm stop), the host ends its function workers with it.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => {
    workers.close();
    server.shutdown().finally(() => Deno.exit(0));
    setTimeout(() => Deno.exit(0), 2_000);
  });
}
