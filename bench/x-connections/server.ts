// bench/x-connections' platform: a loopback https server answering every POST /2/tweets with 201 and
// counting the TLS connections it accepted (GET /stats). It runs in a process of its own, so that its
// TLS work is not counted as the client's. Args: certificate file, key file. Prints its port once
// listening.
import https from "node:https";

const [certFile, keyFile] = Deno.args;
let connections = 0;
let posts = 0;
const body = JSON.stringify({ data: { id: "1", text: "t" } });
const server = https.createServer({
  cert: Deno.readTextFileSync(certFile),
  key: Deno.readTextFileSync(keyFile),
}, (req, res) => {
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ connections, posts }));
    return;
  }
  req.resume();
  req.on("end", () => {
    posts++;
    res.writeHead(201, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
});
server.on("secureConnection", () => connections++);
server.listen(0, "127.0.0.1", () => console.log((server.address() as { port: number }).port));
