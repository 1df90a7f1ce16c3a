// CORS for browser callers. Credentials travel in the Authorization and apikey headers, never in
// cookies, so any origin may call; what a caller may do is decided by its token alone. A preflight
// (OPTIONS) is answered here and runs nothing of the function.
const ALLOW_HEADERS = "authorization, x-client-info, apikey, content-type, idempotency-key";
const ALLOW_METHODS = "GET, HEAD, POST, PATCH, DELETE, OPTIONS";

export function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-allow-methods": ALLOW_METHODS,
      "access-control-max-age": "86400",
    },
  });
}

/** The response, readable by a browser script of any origin. */
export function withCors(response: Response): Response {
  try {
    response.headers.set("access-control-allow-origin", "*");
    return response;
  } catch {
    // immutable headers (a response passed through from fetch): a copy
    const copy = new Response(response.body, response);
    copy.headers.set("access-control-allow-origin", "*");
    return copy;
  }
}
