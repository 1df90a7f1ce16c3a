// The functions port when FUNCTIONS_WORKERS > 1: each incoming connection goes to the functions-host
// worker with the fewest open connections (ties in turn), as the edge runtime gives each request its own
// worker. Sharing the port through SO_REUSEPORT instead let the kernel hash connections to workers, so
// overlapping long calls (several publish invocations) could all land on one worker while others idled.
// It forwards bytes, not requests: nothing is parsed, rewritten or sent twice, so every path a worker
// serves (the functions, and Auth's JWKS at /auth/v1/.well-known/jwks.json) is served on this port too.

export interface BalancerOptions {
  hostname: string;
  port: number;
  /** The workers' unix socket paths. */
  workers: string[];
}

export interface RunningBalancer {
  port: number;
  /** Open connections per worker, in the order given. */
  open(): number[];
  close(): void;
}

const BAD_GATEWAY = (() => {
  const body = JSON.stringify({
    code: 502,
    message: "no functions worker is accepting connections",
  });
  return new TextEncoder().encode(
    "HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\n" +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
  );
})();

export function serveBalancer(options: BalancerOptions): RunningBalancer {
  const workers = options.workers.map((path) => ({ path, open: 0 }));
  if (workers.length === 0) throw new Error("serveBalancer needs at least one worker socket");
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const clients = new Set<Deno.Conn>();
  let turn = 0;

  /** Workers, fewest open connections first; among equals, in turn from the one after the last chosen. */
  function candidates(): typeof workers {
    const order = workers.map((_, k) => workers[(turn + k) % workers.length]);
    return order.sort((a, b) => a.open - b.open);
  }

  /** A connection to a worker, counted against it from the moment it is chosen (connections arrive together). */
  async function connectWorker(): Promise<
    { conn: Deno.Conn; worker: (typeof workers)[number] } | null
  > {
    for (const worker of candidates()) {
      worker.open++;
      turn = (workers.indexOf(worker) + 1) % workers.length;
      try {
        return { conn: await Deno.connect({ transport: "unix", path: worker.path }), worker };
      } catch {
        worker.open--; // that worker is down or restarting: the next one
      }
    }
    return null;
  }

  async function forward(client: Deno.Conn): Promise<void> {
    clients.add(client);
    const upstream = await connectWorker();
    try {
      if (!upstream) {
        await client.write(BAD_GATEWAY).catch(() => {});
        return;
      }
      try {
        // Either side ending ends both: HTTP clients do not half-close.
        await Promise.race([
          client.readable.pipeTo(upstream.conn.writable, { preventClose: true }),
          upstream.conn.readable.pipeTo(client.writable, { preventClose: true }),
        ]).catch(() => {});
      } finally {
        upstream.worker.open--;
        close(upstream.conn);
      }
    } finally {
      clients.delete(client);
      close(client);
    }
  }

  (async () => {
    for await (const client of listener) forward(client).catch(() => {});
  })().catch(() => {}); // the listener was closed

  return {
    port: (listener.addr as Deno.NetAddr).port,
    open: () => workers.map((w) => w.open),
    close() {
      listener.close();
      for (const client of clients) close(client);
    },
  };
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

if (import.meta.main) {
  const port = Number(Deno.env.get("API_PORT") ?? new URL(Deno.env.get("SUPABASE_URL") ?? "").port);
  const sockets = (Deno.env.get("FUNCTIONS_WORKER_SOCKETS") ?? "").split(":").filter(Boolean);
  serveBalancer({ hostname: "127.0.0.1", port, workers: sockets });
  console.log(`functions balancer on http://127.0.0.1:${port}, over ${sockets.length} workers`);
}
