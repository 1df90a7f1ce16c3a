/**
 * A video's duration from its MP4/QuickTime movie header (`moov` -> `mvhd`), read through byte ranges:
 * the box headers at the top level (a `moov` may follow the media data, at the end of the file), then
 * the header itself. A few small reads, so a platform's duration limit is checked before the video is
 * sent, not minutes later when the platform has processed it.
 */
import { notApplied } from "../adapters/adapter.ts";
import type { MediaFile } from "./fetch.ts";
import type { Failure } from "../adapters/types.ts";

/** Boxes looked at before giving up (a real file has a handful at the top level). */
const MAX_BOXES = 64;
const PRINTABLE_TYPE = /^[\x20-\x7e]{4}$/;
const latin1 = new TextDecoder("latin1");

interface Box {
  type: string;
  /** Where its content starts, and where the box ends. */
  content: number;
  end: number;
}

/** The box whose header is at `at` (within `limit`), or undefined when there is none to read. */
async function boxAt(file: MediaFile, at: number, limit: number): Promise<Box | undefined> {
  if (at + 8 > limit) return undefined;
  const read = await file.read(at, Math.min(limit, at + 16));
  if (!read.ok) return undefined;
  const view = new DataView(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength);
  const type = latin1.decode(read.bytes.subarray(4, 8));
  if (!PRINTABLE_TYPE.test(type)) return undefined;
  const size32 = view.getUint32(0);
  if (size32 === 0) return { type, content: at + 8, end: limit };
  if (size32 === 1) {
    if (read.bytes.length < 16) return undefined;
    const size = Number(view.getBigUint64(8));
    return size >= 16 ? { type, content: at + 16, end: Math.min(limit, at + size) } : undefined;
  }
  return size32 >= 8 ? { type, content: at + 8, end: Math.min(limit, at + size32) } : undefined;
}

/** The first box of `type` among those from `from` to `limit`. */
async function find(
  file: MediaFile,
  type: string,
  from: number,
  limit: number,
): Promise<Box | undefined> {
  for (let at = from, seen = 0; seen < MAX_BOXES; seen++) {
    const box = await boxAt(file, at, limit);
    if (!box) return undefined;
    if (box.type === type) return box;
    if (box.end <= at) return undefined;
    at = box.end;
  }
  return undefined;
}

/**
 * Seconds, or undefined when the file is not an MP4/QuickTime movie, has no movie header, or cannot
 * be read (whoever checks the video next decides then).
 */
export async function mp4DurationSeconds(file: MediaFile): Promise<number | undefined> {
  const first = await boxAt(file, 0, file.size);
  if (!first || !["ftyp", "moov", "mdat", "free", "wide", "skip"].includes(first.type)) {
    return undefined;
  }
  const moov = await find(file, "moov", 0, file.size);
  const mvhd = moov && await find(file, "mvhd", moov.content, moov.end);
  if (!mvhd) return undefined;
  const read = await file.read(mvhd.content, Math.min(mvhd.end, mvhd.content + 32));
  if (!read.ok || read.bytes.length < 20) return undefined;
  const view = new DataView(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength);
  // version 0: 32-bit creation and modification times, timescale, duration; version 1: 64-bit times
  const v1 = view.getUint8(0) === 1;
  if (v1 && read.bytes.length < 32) return undefined;
  const timescale = view.getUint32(v1 ? 20 : 12);
  const duration = v1 ? Number(view.getBigUint64(24)) : view.getUint32(16);
  return timescale > 0 ? duration / timescale : undefined;
}

/**
 * A permanent failure when `file` is a movie longer than `maxSeconds` (checked before anything is
 * sent); undefined when it is not longer, or its duration cannot be read.
 */
export async function longerThan(
  file: MediaFile,
  maxSeconds: number,
  limit: string,
): Promise<Failure | undefined> {
  const seconds = await mp4DurationSeconds(file);
  if (seconds === undefined || seconds <= maxSeconds) return undefined;
  return notApplied(
    "permanent",
    `the video lasts ${Math.round(seconds * 10) / 10} s, ${limit} is ${maxSeconds} s`,
  );
}
