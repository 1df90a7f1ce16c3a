/**
 * X media upload v2 for one file: initialize (type, size, category), append the bytes in multipart
 * segments, finalize, then ask for the processing STATUS while X says it is pending (videos, GIFs),
 * waiting as long as X asks but at most `maxWaitMs` in all. Processing reported `failed` is a
 * permanent failure, and processing still running after the wait a transient one: neither created
 * a post. An uploaded media id no post uses expires after 24 h.
 */
import { z } from "zod";
import { notApplied } from "./adapter.ts";
import type { XApi } from "./x-api.ts";
import type { MediaFile } from "../media/fetch.ts";
import type { Failure } from "./types.ts";

/** Bytes per APPEND segment (what twitter-api-v2 sends; X takes up to 5 MB). */
const SEGMENT_BYTES = 1024 * 1024;

const ProcessingSchema = z.object({
  state: z.string(),
  check_after_secs: z.number().optional(),
  error: z.looseObject({ message: z.string().optional() }).optional(),
});
const InitializedSchema = z.object({ data: z.object({ id: z.string() }) });
const FinalizedSchema = z.object({
  data: z.object({ id: z.string(), processing_info: ProcessingSchema.optional() }),
});
const StatusSchema = z.object({
  data: z.object({ processing_info: ProcessingSchema.optional() }),
});

type Uploaded = { ok: true; id: string } | Failure;

function mediaCategory(mediaType: string): string | undefined {
  if (mediaType.includes("gif")) return "tweet_gif";
  if (mediaType.startsWith("image/")) return "tweet_image";
  if (mediaType.startsWith("video/")) return "tweet_video";
  return undefined;
}

/**
 * Upload `file` to the X API at `apiRoot` (`.../2`), read from its host a window at a time; the media
 * id to attach to a post.
 */
export async function uploadXMedia(
  http: XApi,
  apiRoot: string,
  file: MediaFile,
  mediaType: string,
  { maxWaitMs }: { maxWaitMs: number },
): Promise<Uploaded> {
  const init = await http.request({
    method: "POST",
    url: `${apiRoot}/media/upload/initialize`,
    json: {
      media_type: mediaType,
      total_bytes: file.size,
      media_category: mediaCategory(mediaType),
    },
  }, { json: InitializedSchema });
  if (!init.ok) return init;
  const id = init.data.data.id;
  const media = `${apiRoot}/media/upload/${encodeURIComponent(id)}`;
  for (let start = 0, segment = 0; start < file.size; start += SEGMENT_BYTES, segment++) {
    const bytes = await file.read(start, Math.min(file.size, start + SEGMENT_BYTES));
    if (!bytes.ok) return { ...bytes, message: `fetching ${file.url} failed: ${bytes.message}` };
    const appended = await http.request(
      {
        method: "POST",
        url: `${media}/append`,
        form: { segment_index: String(segment), media: bytes.bytes },
      },
      { empty: true },
    );
    if (!appended.ok) return appended;
  }
  const finalized = await http.request(
    { method: "POST", url: `${media}/finalize`, json: {} },
    { json: FinalizedSchema },
  );
  if (!finalized.ok) return finalized;
  if (!finalized.data.data.processing_info) return { ok: true, id };
  const processed = await awaitProcessing(http, apiRoot, id, maxWaitMs);
  return processed ?? { ok: true, id };
}

/** Ask for the STATUS until processing ends, waiting as long as X says: a failure, or undefined. */
async function awaitProcessing(
  http: XApi,
  apiRoot: string,
  id: string,
  maxWaitMs: number,
): Promise<Failure | undefined> {
  const url = `${apiRoot}/media/upload?${new URLSearchParams({ command: "STATUS", media_id: id })}`;
  for (let waitedMs = 0;;) {
    const status = await http.request({ method: "GET", url }, { json: StatusSchema });
    if (!status.ok) return status;
    const info = status.data.data.processing_info;
    if (info?.state === "failed") {
      return notPosted(
        "permanent",
        `Media processing failed: ${info.error?.message ?? "X gave no reason"}`,
      );
    }
    if (info?.state !== "pending" && info?.state !== "in_progress") return undefined;
    // at least a second between asks, whatever X says (a zero or negative wait would ask in a tight loop)
    const waitMs = Math.max(1, info.check_after_secs ?? 1) * 1000;
    if (waitedMs + waitMs > maxWaitMs) {
      return notPosted("transient", `media ${id} still processing after ${waitedMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    waitedMs += waitMs;
  }
}

function notPosted(errorClass: "permanent" | "transient", message: string): Failure {
  return notApplied(errorClass, `X: ${message}`);
}
