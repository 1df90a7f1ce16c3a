// One function in a process of its own, as the edge runtime gives each function its own worker isolate:
// dev/functions-host.ts starts it (dev/functions-limits.ts), forwards the function's requests to it over
// a unix socket, and measures its CPU and memory from /proc to enforce the hosted limits. The function
// calls Deno.serve(handler) at top level, as on Supabase; that call serves FUNCTION_WORKER_SOCKET here.
// Once it listens, the worker prints READY_LINE on stdout and the host starts routing to it.
import { pathToFileURL } from "node:url";

export const READY_LINE = "functions-worker: ready";

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

function requireEnv(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function handlerFromServeArgs(args: unknown[]): Handler {
  for (const arg of args) {
    if (typeof arg === "function") return arg as Handler;
    if (arg && typeof arg === "object" && "handler" in arg) {
      return (arg as { handler: Handler }).handler;
    }
  }
  throw new Error("Deno.serve was called without a handler");
}

function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

if (import.meta.main) {
  const name = requireEnv("FUNCTION_NAME");
  const file = requireEnv("FUNCTION_FILE");
  const socket = requireEnv("FUNCTION_WORKER_SOCKET");
  // The host holds our stdin open while it runs; its end (the host stopped or died) ends this worker.
  (async () => {
    for await (const _ of Deno.stdin.readable) { /* nothing is ever sent */ }
    Deno.exit(0);
  })();
  const realServe = Deno.serve;
  let served = false;
  Object.defineProperty(Deno, "serve", {
    configurable: true,
    writable: true,
    value: (...args: unknown[]) => {
      if (served) throw new Error(`${name} called Deno.serve twice`);
      served = true;
      const handler = handlerFromServeArgs(args);
      return realServe(
        { path: socket, onListen: () => console.log(READY_LINE) },
        async (req, info) => {
          try {
            return await handler(req, info);
          } catch (error) {
            console.error(`${name} threw:`, error);
            return json(500, { code: 500, message: `Function ${name} threw: ${String(error)}` });
          }
        },
      );
    },
  });
  await import(pathToFileURL(file).href);
  if (!served) throw new Error(`${name}/index.ts never called Deno.serve`);
}
