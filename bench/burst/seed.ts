// bench/burst's data: C clients with N platforms between them, each a copy of the demo platform of its
// kind (supabase/seed.sql) with its own credentials in Vault and no posting limits, and one post a
// platform.
import type { Sql } from "../../supabase/functions/_shared/db.ts";
import { type Kind, PLATFORM_IDS } from "../../tests/_support/seed.ts";

// The platform kinds whose post is one request (so a post waits one platform latency): every third
// platform is each.
export const KINDS: Kind[] = ["x", "linkedin", "wordpress"];

export async function seedPlatforms(sql: Sql, platforms: number, clients: number): Promise<void> {
  await sql`insert into public.clients (id, name, default_timezone)
    select md5('burst-client-' || c)::uuid, 'Burst client ' || c, 'UTC'
      from generate_series(0, ${clients - 1}) c`;
  await sql`
    with demo as (
      select t.ordinality - 1 as k, p.kind, p.publish_config, p.max_content_length, p.max_title_length,
             p.account_id, p.account_name, s.decrypted_secret as credentials
        from unnest(${KINDS.map((k) => PLATFORM_IDS[k])}::uuid[]) with ordinality t(id)
        join public.platforms p on p.id = t.id
        join vault.decrypted_secrets s on s.id = p.credentials_secret_id
    ), wanted as (
      select n, md5('burst-platform-' || n)::uuid as id, md5('burst-client-' || (n % ${clients}))::uuid
        as client_id, d.*
        from generate_series(0, ${platforms - 1}) n
        join demo d on d.k = n % ${KINDS.length}
    )
    insert into public.platforms (id, client_id, name, kind, timezone, publish_config, credentials_secret_id,
      posts_per_hour, posts_per_day, min_interval_minutes, max_content_length, max_title_length,
      account_id, account_name)
    select w.id, w.client_id, 'Burst ' || w.kind || ' ' || w.n, w.kind, 'UTC', w.publish_config,
           vault.create_secret(w.credentials, 'platform_credentials_' || w.id, 'burst platform'),
           null, null, 0, w.max_content_length, w.max_title_length, w.account_id, w.account_name
      from wanted w`;
}

/** One post a burst platform, due at `at` + up to `spreadS` seconds (evenly spread). */
export async function insertPosts(
  sql: Sql,
  at: Date,
  spreadS: number,
  posts: number,
): Promise<void> {
  await sql`
    insert into public.distributions (client_id, platform_id, content_type, status, title, body,
      scheduled_for, timezone)
    select p.client_id, p.id, 'manual', 'scheduled',
           case when p.kind = 'wordpress' then 'Burst post ' || n end,
           case p.kind
             when 'x' then 'Ten minutes a week is enough for a budget. Burst ' || n || ' ' || gen_random_uuid()
             when 'wordpress' then '<p>Ten minutes a week is enough for a budget.</p><p>Burst ' || n || ' '
               || gen_random_uuid() || '</p>'
             else 'Ten minutes a week is enough for a budget. Burst ' || n || ' ' || gen_random_uuid() end,
           ${at} + make_interval(secs => ${spreadS}::double precision * n / ${posts}),
           'UTC'
      from public.platforms p
      join lateral (select (regexp_match(p.name, '\\d+$'))[1]::int as n) x on true
     where p.name like 'Burst %'`;
}
