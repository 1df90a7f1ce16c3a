/**
 * The emulators' stand-in public media host (`/__emulator/media/<name>.<ext>` on every emulator):
 * `?bytes=N` (default 4096) deterministic bytes, served whole or as a single byte range (`Range:
 * bytes=a-b` / `bytes=a-`, 206; 416 outside the file), with a strong ETag that `If-Match` is checked
 * against. `&ranges=none` is a host that ignores Range (always 200). A whole file is streamed as it is
 * made (never held whole: a test's 300 MB video costs the emulator a piece at a time) with its
 * Content-Length, or chunked without one with `&length=none`. For mp4 and mov, `&seconds=S`
 * makes the file a movie of S seconds: an `ftyp` box, a `moov` box with its movie header (`mvhd`), and
 * the media data; `&moov=end` puts the `moov` after the media data, as a file not made for streaming.
 */

const MEDIA_TYPES: Record<string, string> = {
  mp4: "video/mp4",
  mov: "video/quicktime",
  jpg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  mp3: "audio/mpeg",
};

const RANGES = { "accept-ranges": "bytes" };

/** A media file's byte at offset i is MEDIA_PATTERN[i % 251]: any range is made without the rest. */
const MEDIA_PATTERN = Uint8Array.from({ length: 251 }, (_, i) => (i * 31 + 7) % 251);

/** Bytes [start, end) of a stand-in media file. */
export function mediaBytes(start: number, end: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(end - start);
  const offset = start % 251;
  const head = Math.min(out.length, 251 - offset);
  out.set(MEDIA_PATTERN.subarray(offset, offset + head));
  let filled = head;
  // the pattern repeats from `head` on: copy what is filled, doubling
  if (filled < out.length) {
    out.set(MEDIA_PATTERN.subarray(0, Math.min(251, out.length - filled)), filled);
    filled = Math.min(out.length, filled + 251);
  }
  while (filled < out.length) {
    const n = Math.min(filled - head, out.length - filled);
    out.copyWithin(filled, head, head + n);
    filled += n;
  }
  return out;
}

function box(type: string, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + content.length);
  new DataView(out.buffer).setUint32(0, out.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(content, 8);
  return out;
}

/** A version 0 movie header: timescale 1000, the duration in milliseconds. */
function movieHeader(seconds: number): Uint8Array {
  const content = new Uint8Array(100);
  const view = new DataView(content.buffer);
  view.setUint32(12, 1000);
  view.setUint32(16, Math.round(seconds * 1000));
  view.setUint32(20, 0x00010000); // rate 1.0
  view.setUint16(24, 0x0100); // volume 1.0
  view.setUint32(96, 2); // next track id
  return box("mvhd", content);
}

/** The boxes of a movie of `size` bytes (at least 256) lasting `seconds`: [at, bytes] pieces; the
 * media data's content is the pattern. */
export function moviePieces(
  size: number,
  seconds: number,
  moovAtEnd: boolean,
): [number, Uint8Array][] {
  const ftyp = box("ftyp", new TextEncoder().encode("isom\0\0\x02\0isomiso2mp41"));
  const moov = box("moov", movieHeader(seconds));
  const mdatHeader = new Uint8Array(8);
  new DataView(mdatHeader.buffer).setUint32(0, size - ftyp.length - moov.length);
  mdatHeader.set(new TextEncoder().encode("mdat"), 4);
  return moovAtEnd
    ? [[0, ftyp], [ftyp.length, mdatHeader], [size - moov.length, moov]]
    : [[0, ftyp], [ftyp.length, moov], [ftyp.length + moov.length, mdatHeader]];
}

/** Bytes [start, end) of the file: the pattern, with the movie's boxes written over it. */
function fileBytes(
  start: number,
  end: number,
  pieces: [number, Uint8Array][],
): Uint8Array<ArrayBuffer> {
  const out = mediaBytes(start, end);
  for (const [at, bytes] of pieces) {
    const from = Math.max(start, at);
    const to = Math.min(end, at + bytes.length);
    if (from < to) out.set(bytes.subarray(from - at, to - at), from - start);
  }
  return out;
}

/** The bytes of a whole file as a stream, made a piece at a time as they are read. */
function wholeFile(size: number, pieces: [number, Uint8Array][]): ReadableStream<Uint8Array> {
  const PIECE = 1024 * 1024;
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= size) return controller.close();
      const end = Math.min(size, at + PIECE);
      controller.enqueue(fileBytes(at, end, pieces));
      at = end;
    },
  }, { highWaterMark: 0 });
}

export function mediaFile(req: Request, url: URL, extension: string): Response {
  const size = Math.min(Number(url.searchParams.get("bytes") ?? 4096) || 4096, 2 ** 31);
  const seconds = Number(url.searchParams.get("seconds") ?? NaN);
  const movie = (extension === "mp4" || extension === "mov") && seconds > 0 && size >= 256;
  const pieces = movie ? moviePieces(size, seconds, url.searchParams.get("moov") === "end") : [];
  const etag = `"${extension}-${size}${movie ? `-${seconds}s` : ""}"`;
  const headers: Record<string, string> = { "content-type": MEDIA_TYPES[extension], etag };
  const ifMatch = req.headers.get("if-match");
  if (ifMatch && ifMatch !== "*" && !ifMatch.split(",").some((t) => t.trim() === etag)) {
    return new Response(null, { status: 412, headers: { etag } });
  }
  const range = url.searchParams.get("ranges") === "none"
    ? null
    : /^bytes=(\d+)-(\d*)$/.exec(req.headers.get("range") ?? "");
  if (!range) {
    const whole = url.searchParams.get("length") === "none"
      ? headers
      : { ...headers, "content-length": String(size) };
    return new Response(wholeFile(size, pieces), {
      headers: { ...whole, ...(url.searchParams.get("ranges") === "none" ? {} : RANGES) },
    });
  }
  const start = Number(range[1]);
  const end = Math.min(size - 1, range[2] ? Number(range[2]) : size - 1);
  if (start >= size || end < start) {
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
  }
  return new Response(fileBytes(start, end + 1, pieces), {
    status: 206,
    headers: { ...headers, ...RANGES, "content-range": `bytes ${start}-${end}/${size}` },
  });
}
