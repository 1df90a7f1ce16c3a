// Holds 16 MB blocks, each written through (so the memory is resident), until it holds `?mb=` of them,
// then answers with how much it held.
Deno.serve(async (req) => {
  const mb = Number(new URL(req.url).searchParams.get("mb") ?? 0);
  const held: Uint8Array[] = [];
  while (held.length * 16 < mb) {
    held.push(new Uint8Array(16 * 1024 * 1024).fill(held.length + 1));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return Response.json({ pid: Deno.pid, held_mb: held.length * 16 });
});
