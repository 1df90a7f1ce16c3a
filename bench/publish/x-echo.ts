// A bare X for bench/publish/sdk-x.ts: answers every request as POST /2/tweets does (`{data: {id,
// text}}`), after reading the request's body, as the emulator does. Prints its port on stdout.
let id = 0;
Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(port) },
  async (req) => {
    const body = await req.text();
    const text = body.startsWith("{") ? String(JSON.parse(body).text ?? "") : "";
    return Response.json({ data: { id: String(++id), text } }, { status: 201 });
  },
);
