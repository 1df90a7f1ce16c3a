-- Extensions, the schemas beside public, and default privileges.
-- The roles (anon, authenticated, service_role), the auth and vault schemas and, locally, the pg_net-compatible
-- `net` schema are provided by the platform (hosted Supabase or dev/compat), never created here.

create schema if not exists extensions;

-- pg_cron: hosted Supabase and the local stack both ship it (and preload it).
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron with schema pg_catalog;
  end if;
end
$$;

-- pg_net: a real extension on hosted Supabase. Locally the stack installs a compatible `net` schema before
-- migrations run (it is not an extension), so only create the extension where it exists and `net` does not.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_net')
     and not exists (select 1 from pg_namespace where nspname = 'net') then
    create extension if not exists pg_net with schema extensions;
  end if;
end
$$;

-- Helpers used by policies, checks and triggers. Not exposed through the API (not in the exposed schemas),
-- and nothing in it is executable unless granted explicitly.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to service_role;
comment on schema private is
  'Security-definer helpers for row-level security, check constraints and triggers. Not exposed through the API.';

-- Schema `scheduling`: slot choice and its writes (scheduling.schedule_content, called only by the edge functions
-- with an input they validated) and the helpers that the SECURITY INVOKER scheduling functions (run as
-- `authenticated` under RLS) call by name. `authenticated` may not use schema private, so these live here; the schema
-- is not exposed through the API (config.toml lists only public, graphql_public).
create schema if not exists scheduling;
revoke all on schema scheduling from public;
grant usage on schema scheduling to authenticated, service_role;
comment on schema scheduling is
  'Slot choice and local-time helpers used by the scheduling functions. Not exposed through the API.';

-- Functions created from now on are not executable by PUBLIC (and so not by anon) unless granted.
-- This is global for objects created by the migration role: grant execute explicitly on anything callable.
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon;
-- Tables, sequences and functions created later in public are never reachable by anon by default.
alter default privileges in schema public revoke all on tables from anon;
alter default privileges in schema public revoke all on sequences from anon;

grant usage on schema public to authenticated, service_role;
