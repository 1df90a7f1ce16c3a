/**
 * A media file at a URL, read in byte ranges, so an upload holds one window of it at a time instead of
 * the whole file (a hosted Edge Function has 256 MB; a video can be 512 MB). The first request asks for
 * the first window with `Range`; a host that answers 206 is read window by window after that, with
 * `If-Match` on its strong ETag so a file replaced half-way fails the upload instead of splicing two
 * files together. A host that ignores `Range` (200) has sent the whole file, which is then read from
 * memory.
 */
import { notApplied } from "../adapters/adapter.ts";
import type { HttpClient } from "../net/api-client.ts";
import type { Failure } from "../adapters/types.ts";

/** Bytes a ranged request asks for, unless the upload reads more at once. */
export const MEDIA_WINDOW_BYTES = 8 * 1024 * 1024;

export interface MediaFile {
  ok: true;
  url: string;
  size: number;
  /** The host's content-type (its media type only, without parameters). */
  type: string | undefined;
  /** Whether the host serves byte ranges (else the whole file is in memory). */
  ranged: boolean;
  /** Bytes [start, end) of the file. */
  read(start: number, end: number): Promise<{ ok: true; bytes: Uint8Array<ArrayBuffer> } | Failure>;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

/** Open `url` for ranged reads of `windowBytes` at a time; failures as `http` classifies them. */
export async function openMedia(
  http: HttpClient,
  url: string,
  windowBytes = MEDIA_WINDOW_BYTES,
): Promise<MediaFile | Failure> {
  const first = await http.download(url, { range: `bytes=0-${windowBytes - 1}` });
  if (!first.ok) return first;
  const type = first.headers.get("content-type")?.split(";")[0].trim() || undefined;
  if (first.status !== 206) {
    const whole = first.data;
    return {
      ok: true,
      url,
      size: whole.length,
      type,
      ranged: false,
      read: (start, end) => Promise.resolve({ ok: true, bytes: whole.subarray(start, end) }),
    };
  }
  const range = CONTENT_RANGE.exec(first.headers.get("content-range") ?? "");
  if (!range || Number(range[1]) !== 0 || Number(range[2]) + 1 !== first.data.length) {
    return unusable(
      `its answer to a byte range request has Content-Range ` +
        `${JSON.stringify(first.headers.get("content-range"))} for ${first.data.length} bytes`,
    );
  }
  const size = Number(range[3]);
  const etag = first.headers.get("etag");
  const condition: Record<string, string> = etag && !etag.startsWith("W/")
    ? { "if-match": etag }
    : {};
  // the last window read: an upload reads forward, and may step back into it to resume
  let window = { start: 0, bytes: first.data };

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
  return { ok: true, url, size, type, ranged: true, read };
}

function unusable(why: string, errorClass: "permanent" | "transient" = "permanent"): Failure {
  return notApplied(errorClass, `the media host: ${why}`);
}
