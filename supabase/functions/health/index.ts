// Liveness: the function runtime answers and the database accepts a query. Public (no JWT).
import { db } from "../_shared/db.ts";
import { handle, json } from "../_shared/endpoint.ts";

Deno.serve(handle(async () => {
  const [row] = await db()`select now() as time, current_setting('server_version') as version`;
  return json(200, { status: "ok", database: { time: row.time, version: row.version } });
}));
