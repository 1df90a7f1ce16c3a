// A bare HTTP server for bench/publish's HTTP limit: answers every request with a small JSON body,
// after reading the request's body, as an emulator does. Prints its port on stdout.
Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(port) },
  async (req) => {
    await req.text();
    return Response.json({ id: "1" });
  },
);
