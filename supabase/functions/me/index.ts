// Who the token belongs to and which clients it may act for (read under row-level security), so an
// HTTP caller can check a token and find the client and platform ids to use, and which platforms
// wait for new credentials (POST /platforms/:id/reconnect).
import { claimsOf } from "../_shared/auth.ts";
import { asUser } from "../_shared/db.ts";
import { handle, json } from "../_shared/endpoint.ts";

Deno.serve(handle(async (req) => {
  const claims = await claimsOf(req);
  const userId = claims.sub;
  if (claims.role !== "authenticated" || !userId) {
    return json(200, { role: claims.role, user_id: null, clients: [] });
  }
  const clients = await asUser(claims, (tx) =>
    tx`select c.id, c.name, m.role,
              coalesce((select json_agg(json_build_object('id', p.id, 'name', p.name, 'kind', p.kind,
                                                          'needs_reconnection', p.needs_reconnection,
                                                          'reconnection_reason', p.reconnection_reason)
                                        order by p.kind::text, p.name)
                          from public.platforms p where p.client_id = c.id), '[]') as platforms
         from public.clients c
         join public.client_members m on m.client_id = c.id and m.user_id = ${userId}
        order by c.name`);
  return json(200, { role: claims.role, user_id: userId, clients });
}));
