// The egress rules in the node agent the Mailchimp SDK sends through (net/node-agent.ts): every
// connection is checked after resolution and made to the checked address; a refusal is a
// RequestNotSent (nothing sent). The connector and resolver are injected and record what they are
// asked: only loopback is ever connected to.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { parseAllowList, type Resolver } from "../../supabase/functions/_shared/net/egress.ts";
import {
  type NodeConnector,
  sendOnceAgent,
} from "../../supabase/functions/_shared/net/node-agent.ts";
import { classifyNetworkError } from "../../supabase/functions/_shared/net/classify.ts";

function recording(allow: string, table: Record<string, string[]>) {
  const connected: string[] = [];
  const resolved: string[] = [];
  const connect: NodeConnector = (o) => {
    connected.push(`${o.host}:${o.port}`);
    if (o.host === "127.0.0.1") return net.connect({ host: o.host, port: o.port });
    throw new Error("the recorder does not connect");
  };
  const resolve: Resolver = (name) => {
    resolved.push(name);
    return table[name] ? Promise.resolve(table[name]) : Promise.reject(new Error("no such name"));
  };
  const egress = { allowList: () => parseAllowList(allow), resolve };
  return {
    connected,
    resolved,
    agentFor: (url: string) => sendOnceAgent(url, { egress, connect }),
  };
}

/** A GET through the agent: the status, or the error node:http reported. */
function get(url: string, agent: http.Agent): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = http.request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", resolve);
    req.end();
  });
}

const PROFILE = {
  platform: "Test",
  messagePaths: [],
  codePaths: [],
  rules: [],
  rateLimitReset: { kind: "after" as const, seconds: 1 },
};

Deno.test("egress node agent: a name is resolved once and the checked address is what is connected to", async () => {
  const r = recording("", { "api.example.com": ["93.184.216.34"] });
  const agent = r.agentFor("http://api.example.com");
  try {
    const error = await get("http://api.example.com/3.0/ping", agent);
    assert.ok(error instanceof Error && error.name === "RequestNotSent", String(error));
    assert.deepEqual(r.resolved, ["api.example.com"]);
    assert.deepEqual(r.connected, ["93.184.216.34:80"]);
    const failure = classifyNetworkError(PROFILE, error, {
      method: "POST",
      now: new Date(),
      timedOut: false,
    });
    assert.equal(failure.outcome, "not_applied", "a connection never made sent nothing");
  } finally {
    agent.destroy();
  }
});

Deno.test("egress node agent: a name resolving to a private address is refused without connecting", async () => {
  const r = recording("", { "internal.example.com": ["93.184.216.34", "10.1.2.3"] });
  const agent = r.agentFor("http://internal.example.com");
  try {
    const error = await get("http://internal.example.com/3.0/ping", agent);
    assert.ok(error instanceof Error && error.name === "RequestNotSent", String(error));
    assert.equal((error.cause as Error).name, "DestinationNotAllowed");
    assert.deepEqual(r.connected, []);
    const failure = classifyNetworkError(PROFILE, error, {
      method: "POST",
      now: new Date(),
      timedOut: false,
    });
    assert.equal(failure.errorClass, "permanent");
    assert.equal(failure.outcome, "not_applied");
  } finally {
    agent.destroy();
  }
});

Deno.test("egress node agent: the metadata address is refused without resolving or connecting", async () => {
  const r = recording("", {});
  const agent = r.agentFor("http://169.254.169.254");
  try {
    const error = await get("http://169.254.169.254/latest/meta-data/", agent);
    assert.ok(error instanceof Error && error.name === "RequestNotSent", String(error));
    assert.equal(error.message, "destination not allowed: it resolves to a cloud metadata address");
    assert.deepEqual(r.resolved, []);
    assert.deepEqual(r.connected, []);
  } finally {
    agent.destroy();
  }
});

Deno.test("egress node agent: an allow-listed loopback emulator is reached", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("{}"),
  );
  const r = recording("127.0.0.1", {});
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const agent = r.agentFor(origin);
  try {
    assert.equal(await get(`${origin}/3.0/ping`, agent), 200);
    assert.equal(await get(`${origin}/3.0/ping`, agent), 200);
    assert.deepEqual(r.connected, [`127.0.0.1:${server.addr.port}`], "one kept-alive connection");
  } finally {
    agent.destroy();
    await server.shutdown();
  }
});
