// Waits `?ms=` before it answers (no CPU: a timer).
Deno.serve(async (req) => {
  const ms = Number(new URL(req.url).searchParams.get("ms") ?? 0);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Response.json({ pid: Deno.pid, slept_ms: ms });
});
