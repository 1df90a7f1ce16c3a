/** What an emulator keeps across a restart (dev/emulators/persist.ts): the encoding and the file. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  DueQueue,
  type EmulatorDefinition,
  Index,
  json,
  serveEmulator,
  Timestamps,
} from "../../dev/emulators/framework.ts";
import { decode, encode } from "../../dev/emulators/persist.ts";

Deno.test("the encoding keeps maps, sets, dates, bigints, the framework's indexes and shared objects", () => {
  const post = { id: "p1", at: new Date("2026-01-05T09:00:00Z"), tags: new Set(["a", "b"]) };
  const times = new Timestamps();
  times.add("u", 5);
  times.add("u", 9);
  const due = new DueQueue<typeof post>();
  due.add(100, post);
  const byText = new Index<typeof post>();
  byText.add("hello", post);
  const state = {
    posts: new Map([["p1", post]]),
    due,
    byText,
    times,
    nextId: 1860000000000000000n,
    never: Infinity,
    hash: createHash("sha256"),
  };
  const back = decode(JSON.parse(JSON.stringify(encode(state)))) as typeof state;
  const again = back.posts.get("p1")!;
  assert.equal(again.at.toISOString(), "2026-01-05T09:00:00.000Z");
  assert.deepEqual([...again.tags], ["a", "b"]);
  assert.equal(back.nextId, 1860000000000000000n);
  assert.equal(back.never, Infinity);
  assert.equal(back.byText.get("hello")[0], again, "one post in the map and the index");
  assert.equal(back.due.takeDue(100)[0], again, "one post in the map and the queue");
  assert.equal(back.times.countAfter("u", 5), 1);
  assert.equal("hash" in back, false, "a running hash is not kept");
});

interface ShelfState {
  items: Map<string, { id: string; at: Date }>;
  /** Rebuilt from `items` after loading, not kept itself. */
  byDay: Index<string>;
  hits: number;
}

function shelf(): EmulatorDefinition<ShelfState> {
  const state: ShelfState = { items: new Map(), byDay: new Index(), hits: 0 };
  return {
    name: "shelf",
    state,
    routes: [
      {
        method: "PUT",
        path: "/items/:id",
        handle(req, ctx) {
          const item = { id: req.params.id, at: ctx.now() };
          state.items.set(item.id, item);
          state.byDay.add(item.at.toISOString().slice(0, 10), item.id);
          state.hits++;
          return json(item, 201);
        },
      },
      {
        method: "GET",
        path: "/items/:id",
        handle(req) {
          const item = state.items.get(req.params.id);
          return item ? json(item) : json({ error: "not found" }, 404);
        },
      },
    ],
    faults: {
      rateLimited: () => json({}, 429),
      revokedToken: () => json({}, 401),
      serverError: (status) => json({}, status),
    },
    persist: {
      keys: ["items"],
      restored() {
        for (const item of state.items.values()) {
          state.byDay.add(item.at.toISOString().slice(0, 10), item.id);
        }
      },
    },
  };
}

Deno.test("an emulator given a state file finds after a restart what it held before", async () => {
  const dir = await Deno.makeTempDir();
  const stateFile = `${dir}/emulators/shelf.json`;
  try {
    const first = serveEmulator(shelf(), { stateFile });
    const put = await fetch(`${first.origin}/items/book`, { method: "PUT" });
    assert.equal(put.status, 201);
    await put.body?.cancel();
    await first.close();
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/emulators`)].map((e) => e.name),
      ["shelf.json"],
      "the snapshot and no temporary file",
    );

    const second = serveEmulator(shelf(), { stateFile });
    try {
      const got = await fetch(`${second.origin}/items/book`);
      assert.equal(got.status, 200);
      assert.equal((await got.json()).id, "book");
      const missing = await fetch(`${second.origin}/items/pen`);
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
      assert.equal(second.state.hits, 0, "keys not listed start afresh");
      assert.equal(second.state.byDay.entries().length, 1, "the restored hook rebuilt the index");
    } finally {
      await second.close();
    }

    // Without the file (reset-db removes the directory) the emulator starts empty.
    await Deno.remove(`${dir}/emulators`, { recursive: true });
    const fresh = serveEmulator(shelf(), { stateFile });
    try {
      const got = await fetch(`${fresh.origin}/items/book`);
      assert.equal(got.status, 404);
      await got.body?.cancel();
    } finally {
      await fresh.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state file that is no snapshot is moved aside and the emulator starts empty", async () => {
  const dir = await Deno.makeTempDir();
  const stateFile = `${dir}/shelf.json`;
  try {
    await Deno.writeTextFile(stateFile, '{"version": 1, "state": ');
    const emu = serveEmulator(shelf(), { stateFile });
    try {
      const got = await fetch(`${emu.origin}/items/book`);
      assert.equal(got.status, 404);
      await got.body?.cancel();
      assert.equal(await Deno.readTextFile(`${stateFile}.unreadable`), '{"version": 1, "state": ');
    } finally {
      await emu.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
