// The Mailchimp emulator alone, for bench/publish/sdk-email.ts: in a process of its own, so the bench
// measures only the client's CPU. Its connection limit lifted. Prints its port on stdout.
import { serveEmulator } from "../../dev/emulators/framework.ts";
import { mailchimpEmulator } from "../../dev/emulators/mailchimp.ts";

const emu = serveEmulator(mailchimpEmulator({ maxConnections: 1_000_000_000 }), {
  hostname: "127.0.0.1",
  port: 0,
});
console.log(emu.port);
