// The running stack's emulators (dev/emulators/main.ts), driven over their /__emulator/ control API.
import type { FaultSpec, RecordedRequest } from "../../dev/emulators/framework.ts";
import { emulatorOrigin } from "../../dev/emulators/ports.ts";
import type { Kind } from "./seed.ts";

/** The request that makes a post public on each platform (counted to find duplicates and losses). */
const PUBLISH_REQUEST: Record<Kind, { method: string; path: RegExp }> = {
  wordpress: { method: "POST", path: /^\/wp-json\/wp\/v2\/posts$/ },
  x: { method: "POST", path: /^\/2\/tweets$/ },
  linkedin: { method: "POST", path: /^\/rest\/posts$/ },
  youtube: { method: "POST", path: /^\/upload\/youtube\/v3\/videos$/ },
  email: { method: "POST", path: /^\/3\.0\/campaigns\/[^/]+\/actions\/send$/ },
  instagram: { method: "POST", path: /\/media_publish$/ },
  tiktok: { method: "POST", path: /^\/v2\/post\/publish\/video\/init\/?$/ },
  podcast: { method: "POST", path: /^\/v1\/episodes$/ },
};

export class EmulatorControl {
  constructor(readonly kind: Kind, readonly origin: string) {}

  private async call(method: string, what: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.origin}/__emulator/${what}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      throw new Error(`${this.kind} emulator ${method} ${what}: ${res.status} ${await res.text()}`);
    }
    return res.status === 204 ? undefined : await res.json();
  }

  requests(): Promise<RecordedRequest[]> {
    return this.call("GET", "requests") as Promise<RecordedRequest[]>;
  }
  async clearRequests(): Promise<void> {
    await this.call("DELETE", "requests");
  }
  async addFault(spec: FaultSpec | FaultSpec[]): Promise<void> {
    await this.call("POST", "faults", spec);
  }
  async clearFaults(): Promise<void> {
    await this.call("DELETE", "faults");
  }
  /** A person deletes the post in the platform's own app (Instagram, TikTok: no API delete). */
  async removePost(id: string): Promise<void> {
    await this.call("DELETE", `posts/${encodeURIComponent(id)}`);
  }
  /** The requests that made a post public. */
  async publishRequests(): Promise<RecordedRequest[]> {
    const { method, path } = PUBLISH_REQUEST[this.kind];
    return (await this.requests()).filter((r) => r.method === method && path.test(r.path));
  }
}

export function emulatorFor(kind: Kind): EmulatorControl {
  const base = Number(Deno.env.get("EMULATOR_BASE_PORT") ?? 25430);
  return new EmulatorControl(kind, emulatorOrigin(kind, base));
}

export async function publishCount(kind: Kind): Promise<number> {
  return (await emulatorFor(kind).publishRequests()).length;
}

/**
 * Stops the stack's emulators and starts them again (`bash dev/stack.sh restart-emulators`), the
 * rest of the stack left running: what `npm stop` / `npm start` does to the platforms.
 */
export async function restartEmulators(): Promise<void> {
  // dev/test.sh exports its stack's name; without it stack.sh would restart the dev stack's emulators.
  if (!Deno.env.get("STACK")) throw new Error("STACK is not set: run the tests with npm test");
  const root = new URL("../../", import.meta.url).pathname;
  const out = await new Deno.Command("bash", {
    args: [`${root}dev/stack.sh`, "restart-emulators"],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    throw new Error(`restarting the emulators failed: ${text}`);
  }
}
