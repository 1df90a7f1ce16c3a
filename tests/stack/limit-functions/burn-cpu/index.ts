// Spins on the CPU for `?spin_ms=` of wall time (no await: every ms of it is CPU), then answers with
// its worker's process id.
Deno.serve((req) => {
  const spinMs = Number(new URL(req.url).searchParams.get("spin_ms") ?? 0);
  const until = Date.now() + spinMs;
  let n = 0;
  while (Date.now() < until) n++;
  return Response.json({ pid: Deno.pid, spins: n });
});
