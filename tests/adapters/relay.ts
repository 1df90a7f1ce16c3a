/**
 * A TCP relay in front of an emulator: counts the connections clients open through it (to see
 * keep-alive at work), and loses connections the way networks do: after the server answered a
 * request but before the client read the answer, or while a connection is idle. Always closed
 * with `close()`.
 */

export interface Relay {
  /** Use as the adapter's base URL (instead of the emulator's origin). */
  origin: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /**
   * The next request whose head contains `marker` (e.g. "POST /2/tweets") reaches the server,
   * but its answer does not reach the client: the connection closes instead.
   */
  loseAnswerTo(marker: string): void;
  /** Close every open connection (a server closing its idle keep-alive connections). */
  dropAll(): void;
  close(): Promise<void>;
}

interface Link {
  conns: Deno.Conn[];
  loseNextAnswer: boolean;
}

export function relayTo(port: number): Relay {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Link>();
  const pumps: Promise<void>[] = [];
  const markers: string[] = [];
  const latin1 = new TextDecoder("latin1");
  let connections = 0;
  let closed = false;

  const shut = (link: Link) => {
    if (!open.delete(link)) return;
    for (const conn of link.conns) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  };
  const pump = async (from: Deno.Conn, to: Deno.Conn, link: Link, answers: boolean) => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (answers && link.loseNextAnswer) break;
        if (!answers && markers.length) {
          const head = latin1.decode(buffer.subarray(0, Math.min(n, 2048)));
          const i = markers.findIndex((m) => head.includes(m));
          if (i >= 0) {
            markers.splice(i, 1);
            link.loseNextAnswer = true;
          }
        }
        for (let sent = 0; sent < n;) sent += await to.write(buffer.subarray(sent, n));
      }
    } catch { /* the other side closed */ }
    shut(link);
  };
  const accepting = (async () => {
    try {
      for await (const client of listener) {
        connections += 1;
        const upstream = await Deno.connect({ hostname: "127.0.0.1", port });
        const link = { conns: [client, upstream], loseNextAnswer: false };
        open.add(link);
        if (closed) shut(link);
        pumps.push(pump(client, upstream, link, false), pump(upstream, client, link, true));
      }
    } catch { /* listener closed */ }
  })();

  return {
    origin: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    get connections() {
      return connections;
    },
    loseAnswerTo(marker) {
      markers.push(marker);
    },
    dropAll() {
      for (const link of [...open]) shut(link);
    },
    async close() {
      closed = true;
      listener.close();
      for (const link of [...open]) shut(link);
      await accepting;
      await Promise.all(pumps);
    },
  };
}
