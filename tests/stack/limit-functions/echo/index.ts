// Answers with what it received and its worker's process id.
Deno.serve(async (req) => {
  return Response.json({
    pid: Deno.pid,
    method: req.method,
    path: new URL(req.url).pathname,
    body: await req.text(),
  });
});
