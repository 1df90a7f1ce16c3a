// WordPressAdapter.verifyAccount against the emulator: who the application password signs in as, and
// each refusal naming the field at fault (wrong password, unknown user, a user who cannot publish, a
// site whose /wp-json/ is its home page, a server that is not WordPress).
import assert from "node:assert/strict";
import { WordPressAdapter } from "../../supabase/functions/_shared/adapters/wordpress.ts";
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { wordpressEmulator } from "../../dev/emulators/wordpress.ts";
import { platformRow } from "./helpers.ts";

const USERS = { editor: "abcd efgh ijkl mnop qrst uvwx", writer: "wwww xxxx yyyy zzzz 1111 2222" };

async function verify(
  credentials: { username: string; application_password: string },
  options: { permalinks?: "plain"; rest_style?: "query"; origin?: string } = {},
) {
  const emu = serveEmulator(
    wordpressEmulator({
      users: USERS,
      roles: { writer: "contributor" },
      permalinks: options.permalinks,
    }),
  );
  try {
    const row = platformRow("wordpress", {
      base_url: options.origin ?? emu.origin,
      timeout_ms: 2_000,
      ...(options.rest_style ? { rest_style: options.rest_style } : {}),
    });
    const result = await new WordPressAdapter(row, credentials).verifyAccount();
    const requests = emu.requests({ method: "GET" });
    return { result, requests: requests.map((r) => ({ path: r.path, ...r.query })) };
  } finally {
    await emu.close();
  }
}

Deno.test("wordpress account: an editor's application password answers their id and name", async () => {
  const { result, requests } = await verify({
    username: "editor",
    application_password: USERS.editor,
  });
  assert.deepEqual(result, { ok: true, account: { account_id: "1", account_name: "Editor" } });
  assert.deepEqual(requests, [{ path: "/wp-json/wp/v2/users/me", context: "edit" }]);
});

Deno.test("wordpress account: a wrong password or an unknown user is refused naming the field", async () => {
  const wrong = await verify({ username: "editor", application_password: "not the password" });
  assert.equal(wrong.result.ok, false);
  assert.deepEqual(
    !wrong.result.ok && [wrong.result.status, wrong.result.field],
    [400, "credentials.application_password"],
  );
  assert.match(!wrong.result.ok ? wrong.result.message : "", /invalid application password/);
  const unknown = await verify({ username: "nobody", application_password: USERS.editor });
  assert.deepEqual(
    !unknown.result.ok && [unknown.result.status, unknown.result.field],
    [400, "credentials.username"],
  );
});

Deno.test("wordpress account: a contributor (no publish_posts) is refused", async () => {
  const { result } = await verify({ username: "writer", application_password: USERS.writer });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.field, "credentials.username");
  assert.match(!result.ok ? result.message : "", /writer \(contributor\) cannot publish posts/);
});

Deno.test("wordpress account: pretty permalinks off: the refusal says to set rest_style query, which works", async () => {
  const plain = await verify(
    { username: "editor", application_password: USERS.editor },
    { permalinks: "plain" },
  );
  assert.equal(plain.result.ok, false);
  assert.equal(!plain.result.ok && plain.result.field, "publish_config.rest_style");
  assert.match(!plain.result.ok ? plain.result.message : "", /rest_style to "query"/);
  assert.ok(plain.requests.some((r) => "rest_route" in r && r.rest_route === "/wp/v2/users/me"));
  const query = await verify(
    { username: "editor", application_password: USERS.editor },
    { permalinks: "plain", rest_style: "query" },
  );
  assert.equal(query.result.ok, true, JSON.stringify(query.result));
});

Deno.test("wordpress account: a server that is not WordPress is refused on base_url", async () => {
  // An HTTP server on loopback that answers every path with a page of its own.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("<html><body>Not a blog</body></html>", { status: 404 }),
  );
  try {
    const { result } = await verify(
      { username: "editor", application_password: USERS.editor },
      { origin: `http://127.0.0.1:${server.addr.port}` },
    );
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.status, 400);
    assert.equal(!result.ok && result.field, "publish_config.base_url");
    assert.match(!result.ok ? result.message : "", /is not a WordPress site with the REST API/);
  } finally {
    await server.shutdown();
  }
});
