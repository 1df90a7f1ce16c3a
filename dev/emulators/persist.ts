/**
 * What an emulator keeps across restarts: chosen keys of its state in one JSON file (a snapshot),
 * written atomically (a temporary file, fsync, rename) a moment after requests change it and once
 * more when it closes. A crash loses at most that moment; the file is always a whole snapshot.
 *
 * The encoding keeps what the states hold: Maps, Sets, Dates, bigints, the framework's Timestamps,
 * DueQueue and Index, and shared objects as shared (a post in both a Map and an Index is one post
 * again after loading). Functions and other class instances (a running hash of an upload) are not
 * kept: a definition's `restored` hook mends what refers to them.
 */
import { DueQueue, Index, Timestamps } from "./framework.ts";

type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

/** Encodes `value` (see the module comment); undefined for what is not kept. */
export function encode(value: unknown, ids = new Map<object, number>()): Encoded | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : { $num: String(value) };
    case "bigint":
      return { $big: value.toString() };
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  // Dates are never changed in place: kept by value, without an identity.
  if (obj instanceof Date) return { $date: obj.getTime() };
  const seen = ids.get(obj);
  if (seen !== undefined) return { $ref: seen };
  const proto = Object.getPrototypeOf(obj);
  if (proto === Object.prototype || proto === null) {
    const $id = ids.size;
    ids.set(obj, $id);
    const out: Record<string, Encoded> = {};
    const fields = obj as Record<string, unknown>;
    for (const k in fields) {
      const e = encode(fields[k], ids);
      if (e !== undefined) out[k] = e;
    }
    return { $id, $obj: out };
  }
  if (Array.isArray(obj)) {
    const $id = ids.size;
    ids.set(obj, $id);
    return { $id, $arr: list(obj, ids) };
  }
  const known = obj instanceof Map || obj instanceof Set || obj instanceof Timestamps ||
    obj instanceof DueQueue || obj instanceof Index;
  if (!known) return undefined;
  const $id = ids.size;
  ids.set(obj, $id);
  if (obj instanceof Map) return { $id, $map: [...obj].map((pair) => list(pair, ids)) };
  if (obj instanceof Set) return { $id, $set: list(obj, ids) };
  if (obj instanceof Timestamps) return { $id, $timestamps: obj.entries() };
  if (obj instanceof DueQueue) {
    return { $id, $due: obj.entries().map(({ at, item }) => [at, encode(item, ids) ?? null]) };
  }
  const index = obj as Index<unknown>;
  return { $id, $index: index.entries().map(([key, items]) => [key, list(items, ids)]) };
}

function list(items: Iterable<unknown>, ids: Map<object, number>): Encoded[] {
  const out: Encoded[] = [];
  for (const v of items) out.push(encode(v, ids) ?? null);
  return out;
}

/** The value `encode` was given. */
export function decode(data: Encoded, ids = new Map<number, unknown>()): unknown {
  if (data === null || typeof data !== "object") return data;
  if (Array.isArray(data)) throw new Error("malformed emulator snapshot: a bare array");
  if ("$num" in data) return Number(data.$num);
  if ("$big" in data) return BigInt(data.$big as string);
  if ("$ref" in data) {
    if (!ids.has(data.$ref as number)) {
      throw new Error(`malformed emulator snapshot: $ref ${data.$ref}`);
    }
    return ids.get(data.$ref as number);
  }
  const id = data.$id as number;
  const made = <T>(value: T): T => {
    ids.set(id, value);
    return value;
  };
  const items = (list: Encoded) => (list as Encoded[]).map((v) => decode(v, ids));
  if ("$arr" in data) {
    const arr = made<unknown[]>([]);
    for (const v of data.$arr as Encoded[]) arr.push(decode(v, ids));
    return arr;
  }
  if ("$date" in data) return new Date(data.$date as number);
  if ("$map" in data) {
    const map = made(new Map<unknown, unknown>());
    for (const pair of data.$map as Encoded[][]) {
      map.set(decode(pair[0], ids), decode(pair[1], ids));
    }
    return map;
  }
  if ("$set" in data) {
    const set = made(new Set<unknown>());
    for (const v of data.$set as Encoded[]) set.add(decode(v, ids));
    return set;
  }
  if ("$timestamps" in data) {
    return made(Timestamps.from(data.$timestamps as [string, number[]][]));
  }
  if ("$due" in data) {
    const queue = made(new DueQueue<unknown>());
    for (const [at, item] of data.$due as [number, Encoded][]) queue.add(at, decode(item, ids));
    return queue;
  }
  if ("$index" in data) {
    const index = made(new Index<unknown>());
    for (const [key, list] of data.$index as [string, Encoded][]) {
      for (const item of items(list)) index.add(key, item);
    }
    return index;
  }
  if ("$obj" in data) {
    const obj = made<Record<string, unknown>>({});
    for (const [k, v] of Object.entries(data.$obj as Record<string, Encoded>)) {
      obj[k] = decode(v, ids);
    }
    return obj;
  }
  throw new Error(`malformed emulator snapshot: ${JSON.stringify(data).slice(0, 80)}`);
}

/** Which keys of a state survive a restart, and what mends the state after loading them. */
export interface Persistence<S> {
  /** Keys of the state (each must be one: checked when the state is loaded). */
  keys: readonly string[];
  /** Called after a snapshot was loaded into the state. */
  restored?(): void;
}

/** The slice of `state` a snapshot holds, encoded. */
export function snapshot<S>(state: S, persistence: Persistence<S>): string {
  const slice: Record<string, unknown> = {};
  const fields = state as Record<string, unknown>;
  for (const key of persistence.keys) slice[key] = fields[key];
  return JSON.stringify({ version: 1, state: encode(slice) });
}

/** A state file that is not a snapshot this code writes (saves are atomic: never a torn one). */
export class UnreadableSnapshot extends Error {}

/** Loads the snapshot in `file` (if there is one) into `state`; false when there was none. */
export function loadSnapshot<S>(file: string, state: S, persistence: Persistence<S>): boolean {
  const fields = state as Record<string, unknown>;
  const unknownKey = persistence.keys.find((key) => !(key in fields));
  if (unknownKey) throw new Error(`the state has no key ${unknownKey} to keep`);
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  let slice: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as { version: number; state: Encoded };
    if (parsed.version !== 1) throw new Error(`unknown snapshot version ${parsed.version}`);
    slice = decode(parsed.state) as Record<string, unknown>;
  } catch (e) {
    throw new UnreadableSnapshot(e instanceof Error ? e.message : String(e));
  }
  for (const key of persistence.keys) if (key in slice) fields[key] = slice[key];
  persistence.restored?.();
  return true;
}

/** Writes `text` to `file` whole or not at all: a temporary file beside it, fsync, rename. */
export function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const f = Deno.openSync(tmp, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(text);
    for (let written = 0; written < bytes.length;) {
      written += f.writeSync(bytes.subarray(written));
    }
    f.syncSync();
  } finally {
    f.close();
  }
  Deno.renameSync(tmp, file);
}
