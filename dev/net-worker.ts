// The local stand-in for pg_net's background worker: sends the requests queued by net.http_get /
// net.http_post / net.http_delete after their transaction commits, and records each response in
// net._http_response. It wakes on NOTIFY (sent by a trigger, so only committed requests wake it)
// and also polls, so a request queued while it was down is still sent when it starts.
import postgres from "postgres";

const dbUrl = Deno.env.get("SUPABASE_DB_URL");
if (!dbUrl) throw new Error("SUPABASE_DB_URL is not set");

const BATCH = 200;
const POLL_MS = 1000;
const RESPONSE_TTL = "6 hours"; // pg_net's default pg_net.ttl

const sql = postgres(dbUrl, { max: 4, prepare: false, onnotice: () => {} });

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  timeout_milliseconds: number;
}

interface RecordedResponse {
  id: string;
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean;
  error_msg: string | null;
}

async function send(request: QueuedRequest): Promise<RecordedResponse> {
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body ? new Uint8Array(request.body) : undefined,
      signal: AbortSignal.timeout(request.timeout_milliseconds),
    });
    const content = await response.text();
    return {
      id: request.id,
      status_code: response.status,
      content_type: response.headers.get("content-type"),
      headers: Object.fromEntries(response.headers),
      content,
      timed_out: false,
      error_msg: null,
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return {
      id: request.id,
      status_code: null,
      content_type: null,
      headers: null,
      content: null,
      timed_out: timedOut,
      error_msg: timedOut
        ? `Timeout of ${request.timeout_milliseconds} ms reached`
        : (error instanceof Error ? error.message : String(error)),
    };
  }
}

async function record(response: RecordedResponse): Promise<void> {
  await sql`insert into net._http_response
    (id, status_code, content_type, headers, content, timed_out, error_msg)
    values (${response.id}, ${response.status_code}, ${response.content_type},
            ${response.headers ? sql.json(response.headers) : null}, ${response.content},
            ${response.timed_out}, ${response.error_msg})`;
}

async function claimBatch(): Promise<QueuedRequest[]> {
  return await sql<QueuedRequest[]>`
    delete from net.http_request_queue
     where id in (select id from net.http_request_queue order by id limit ${BATCH}
                  for update skip locked)
    returning id, method, url, headers, body, timeout_milliseconds`;
}

let draining = false;
let wakeAgain = false;

async function drain(): Promise<void> {
  if (draining) {
    wakeAgain = true;
    return;
  }
  draining = true;
  try {
    do {
      wakeAgain = false;
      const batch = await claimBatch();
      for (const request of batch) {
        // Each request is sent and recorded on its own: a slow endpoint never holds up the rest.
        send(request).then(record).catch((error) => console.error("recording failed:", error));
      }
      if (batch.length === BATCH) wakeAgain = true;
    } while (wakeAgain);
  } catch (error) {
    console.error("net worker:", error instanceof Error ? error.message : error);
  } finally {
    draining = false;
  }
}

async function expireResponses(): Promise<void> {
  await sql`delete from net._http_response where created < now() - ${RESPONSE_TTL}::interval`
    .catch((error) => console.error("expiring responses failed:", error.message));
}

await sql.listen("net_http_request", () => void drain(), () => void drain());
const poll = setInterval(() => void drain(), POLL_MS);
const expire = setInterval(() => void expireResponses(), 60_000);
console.log("net worker running");

Deno.addSignalListener("SIGTERM", async () => {
  clearInterval(poll);
  clearInterval(expire);
  await sql.end({ timeout: 2 });
  Deno.exit(0);
});
