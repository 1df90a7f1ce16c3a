/**
 * A media file at a URL, read so an upload holds one window of it at a time, never the whole file (a
 * hosted Edge Function has 256 MB; a video can be 512 MB and more). The first request asks for the
 * first window with `Range`, and its body is read as a stream:
 *   - A host that answers 206 is read window by window after that, with `If-Match` on its strong ETag
 *     so a file replaced half-way fails the upload instead of splicing two files together.
 *   - A host that ignores `Range` (200) is sending the whole file: it is read from the stream as the
 *     upload asks for it, a window at a time, counting bytes. Reading forward continues the stream;
 *     stepping back into the last window read (a resumed chunk) needs no request; stepping back
 *     further opens the stream again (with `If-Match`) and skips forward. The size is the
 *     Content-Length; without one, the file is first read through once, counted and dropped (the
 *     uploaders declare the size before the first byte). A body that ends before that size, or runs
 *     past it, fails the upload (transient: the host may serve it whole next time).
 * A platform's size limit (`maxBytes`) is checked against the announced size before anything is sent,
 * and against the bytes counted as they arrive when no size is announced.
 */
import { notApplied } from "../adapters/adapter.ts";
import type { HttpBodyStream, HttpClient } from "../net/api-client.ts";
import type { Failure } from "../adapters/types.ts";

/** Bytes a ranged request asks for, unless the upload reads more at once. */
export const MEDIA_WINDOW_BYTES = 8 * 1024 * 1024;

export interface MediaFile {
  ok: true;
  url: string;
  size: number;
  /** The host's content-type (its media type only, without parameters). */
  type: string | undefined;
  /** Whether the host serves byte ranges (else the file is read from a stream of all of it). */
  ranged: boolean;
  /** Bytes [start, end) of the file. */
  read(start: number, end: number): Promise<{ ok: true; bytes: Uint8Array<ArrayBuffer> } | Failure>;
  /** Let go of the host's stream, if one is open (an upload ends here, done or failed). */
  close(): void;
}

/** A platform's limit on a file's size, named in the failure. */
export interface SizeLimit {
  maxBytes: number;
  /** e.g. "TikTok's limit". */
  name: string;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

/** Open `url` for ranged reads of `windowBytes` at a time; failures as `http` classifies them. */
export async function openMedia(
  http: HttpClient,
  url: string,
  windowBytes = MEDIA_WINDOW_BYTES,
  limit?: SizeLimit,
): Promise<MediaFile | Failure> {
  const opened = await http.openStream(url, { range: `bytes=0-${windowBytes - 1}` });
  if (!opened.ok) return opened;
  const type = opened.headers.get("content-type")?.split(";")[0].trim() || undefined;
  const etag = opened.headers.get("etag");
  const condition: Record<string, string> = etag && !etag.startsWith("W/")
    ? { "if-match": etag }
    : {};
  if (opened.status !== 206) return await streamedMedia(http, url, opened, type, condition, limit);
  const range = CONTENT_RANGE.exec(opened.headers.get("content-range") ?? "");
  const firstBytes = range ? Number(range[2]) + 1 - Number(range[1]) : 0;
  if (!range || Number(range[1]) !== 0 || firstBytes > windowBytes) {
    opened.cancel();
    return unusable(
      `its answer to a byte range request has Content-Range ` +
        `${JSON.stringify(opened.headers.get("content-range"))}`,
    );
  }
  const firstWindow = await readExactly(opened, firstBytes);
  opened.cancel();
  if (!firstWindow.ok) return firstWindow;
  const size = Number(range[3]);
  const tooLarge = limit && sizeOver(size, limit);
  if (tooLarge) return tooLarge;
  // the last window read: an upload reads forward, and may step back into it to resume
  let window = { start: 0, bytes: firstWindow.bytes };

  async function read(start: number, end: number) {
    if (start >= window.start && end <= window.start + window.bytes.length) {
      return {
        ok: true as const,
        bytes: window.bytes.subarray(start - window.start, end - window.start),
      };
    }
    const last = Math.min(size, Math.max(end, start + windowBytes)) - 1;
    const answer = await http.download(url, { range: `bytes=${start}-${last}`, ...condition });
    if (!answer.ok && answer.status === 412) {
      return unusable(
        "the file changed during the upload (its ETag no longer matches)",
        "transient",
      );
    }
    if (!answer.ok) return answer;
    const got = CONTENT_RANGE.exec(answer.headers.get("content-range") ?? "");
    if (
      answer.status !== 206 || !got || Number(got[1]) !== start || Number(got[2]) !== last ||
      Number(got[3]) !== size || answer.data.length !== last - start + 1
    ) {
      return unusable(
        `bytes ${start}-${last} came back as ${answer.status} ` +
          `${answer.headers.get("content-range") ?? "(no Content-Range)"}: the file changed or ` +
          `the host stopped serving ranges`,
        "transient",
      );
    }
    window = { start, bytes: answer.data };
    return { ok: true as const, bytes: answer.data.subarray(0, end - start) };
  }
  return { ok: true, url, size, type, ranged: true, read, close: () => {} };
}

/** Exactly `n` bytes of a stream's first bytes, or why not (it ended early, or runs past them). */
async function readExactly(
  stream: HttpBodyStream,
  n: number,
): Promise<{ ok: true; bytes: Uint8Array<ArrayBuffer> } | Failure> {
  const out = new Uint8Array(n);
  let at = 0;
  for (;;) {
    const piece = await stream.next();
    if (!piece.ok) return piece;
    if (piece.bytes === null) break;
    if (at + piece.bytes.length > n) {
      return unusable(`its answer to a byte range request runs past its ${n} bytes`, "transient");
    }
    out.set(piece.bytes, at);
    at += piece.bytes.length;
  }
  if (at < n) {
    return unusable(
      `its answer to a byte range request ended after ${at} of ${n} bytes`,
      "transient",
    );
  }
  return { ok: true, bytes: out };
}

/** A permanent failure when `size` bytes (`atLeast`: counted so far) are over the limit. */
function sizeOver(size: number, limit: SizeLimit, atLeast = false): Failure | undefined {
  if (size <= limit.maxBytes) return undefined;
  return notApplied(
    "permanent",
    `the file is ${atLeast ? "at least " : ""}${size} bytes, ${limit.name} is ${limit.maxBytes}`,
  );
}

/**
 * A file from a host that ignores `Range`, read from `first` (its whole-file answer) forward, a
 * window at a time, opening the stream again to step back.
 */
async function streamedMedia(
  http: HttpClient,
  url: string,
  first: HttpBodyStream,
  type: string | undefined,
  condition: Record<string, string>,
  limit: SizeLimit | undefined,
): Promise<MediaFile | Failure> {
  const announced = contentLength(first);
  let size: number;
  if (announced !== undefined) {
    size = announced;
    const tooLarge = limit && sizeOver(size, limit);
    if (tooLarge) {
      first.cancel();
      return tooLarge;
    }
  } else {
    // no size announced: count the file through once (the uploaders declare the size up front)
    let counted = 0;
    for (;;) {
      const piece = await first.next();
      if (!piece.ok) return brokeOff(piece, `after ${counted} bytes, before its end`);
      if (piece.bytes === null) break;
      counted += piece.bytes.length;
      const tooLarge = limit && sizeOver(counted, limit, true);
      if (tooLarge) {
        first.cancel();
        return tooLarge;
      }
    }
    size = counted;
  }
  let stream: HttpBodyStream | undefined = announced === undefined ? undefined : first;
  /** Bytes of the stream consumed: the last window read ends here. */
  let position = 0;
  /** What is left of the last piece taken from the stream, beyond `position`. */
  let spare: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  let window = { start: 0, bytes: new Uint8Array(0) };

  const close = () => {
    stream?.cancel();
    stream = undefined;
  };

  /** The stream from byte 0 again, checked to be the same file. */
  async function reopen(): Promise<Failure | undefined> {
    close();
    const again = await http.openStream(url, condition);
    if (!again.ok && again.status === 412) return changed("its ETag no longer matches");
    if (!again.ok) return again;
    const length = contentLength(again);
    if (again.status !== 200 || (length !== undefined && length !== size)) {
      again.cancel();
      return changed(
        `it answered ${again.status} with ${length ?? "no"} Content-Length for a ${size}-byte file`,
      );
    }
    stream = again;
    position = 0;
    spare = new Uint8Array(0);
    window = { start: 0, bytes: new Uint8Array(0) };
    return undefined;
  }

  /** Up to `max` bytes of the stream from `position`; a failure when it ends before `size`. */
  async function take(
    max: number,
  ): Promise<{ ok: true; bytes: Uint8Array<ArrayBuffer> } | Failure> {
    if (spare.length === 0) {
      const piece = await stream!.next();
      if (!piece.ok) {
        close();
        return brokeOff(piece, `after ${position} of the file's ${size} bytes`);
      }
      if (piece.bytes === null) {
        close();
        return unusable(
          `its body ended after ${position} of the file's ${size} bytes`,
          "transient",
        );
      }
      spare = piece.bytes;
    }
    const bytes = spare.subarray(0, Math.min(max, spare.length));
    spare = spare.subarray(bytes.length);
    position += bytes.length;
    return { ok: true, bytes };
  }

  /** At the file's last byte: the stream must end there. */
  async function atEnd(): Promise<Failure | undefined> {
    const more = spare.length > 0 ? { ok: true as const, bytes: spare } : await stream!.next();
    close();
    if (!more.ok) return brokeOff(more, `at the file's end, byte ${size}`);
    if (more.bytes === null) return undefined;
    return unusable(`its body runs past the file's ${size} bytes`, "transient");
  }

  async function read(start: number, end: number) {
    end = Math.min(end, size);
    const windowEnd = window.start + window.bytes.length;
    if (start >= window.start && end <= windowEnd) {
      return {
        ok: true as const,
        bytes: window.bytes.subarray(start - window.start, end - window.start),
      };
    }
    if (!stream || start < window.start) {
      const failed = await reopen();
      if (failed) return failed;
    }
    const out = new Uint8Array(Math.max(0, end - start));
    let filled = 0;
    if (start < position) {
      // the window's tail, then the stream
      const kept = window.bytes.subarray(start - window.start);
      out.set(kept);
      filled = kept.length;
    }
    while (position < start) {
      const skipped = await take(start - position);
      if (!skipped.ok) return skipped;
    }
    while (filled < out.length) {
      const got = await take(out.length - filled);
      if (!got.ok) return got;
      out.set(got.bytes, filled);
      filled += got.bytes.length;
    }
    window = { start, bytes: out };
    if (end === size) {
      const longer = await atEnd();
      if (longer) return longer;
    }
    return { ok: true as const, bytes: out };
  }
  return { ok: true, url, size, type, ranged: false, read, close };
}

function contentLength(answer: HttpBodyStream): number | undefined {
  const value = answer.headers.get("content-length");
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** A read of the host's body that failed (the connection closed, a timeout), where it happened. */
function brokeOff(failure: Failure, where: string): Failure {
  return { ...failure, message: `the media host: its body broke off ${where}: ${failure.message}` };
}

function changed(why: string): Failure {
  return unusable(`the file changed during the upload (${why})`, "transient");
}

function unusable(why: string, errorClass: "permanent" | "transient" = "permanent"): Failure {
  return notApplied(errorClass, `the media host: ${why}`);
}
