-- What a hosted Supabase project's database has before any of our migrations, where it differs from the
-- local stack: run by dev/hosted-db.sh as supabase_admin, the bootstrap superuser (initdb -U supabase_admin),
-- before dev/compat/*.sql. Sources: supabase/postgres migrations/db (migrate.sh, init-scripts,
-- 10000000000000_demote-postgres.sql). The local stack keeps `postgres` as its superuser; this cluster
-- does not, so a migration that needs a superuser fails here as it would on `supabase db push`.

-- postgres as hosted leaves it: no superuser, but CREATEDB CREATEROLE REPLICATION BYPASSRLS and all
-- privileges on the database and on public (`supabase db dump` of a hosted project: public's owner is
-- postgres). `db push` logs in as a temporary role that only SETs ROLE postgres: migrations run as postgres.
create role postgres login password 'hosted' nosuperuser createdb createrole replication bypassrls;
grant all on database postgres to postgres;
alter schema public owner to postgres;
alter role postgres set search_path to "$user", public, extensions;

-- The owners of the platform's schemas.
create role supabase_auth_admin noinherit createrole login noreplication;
create role supabase_functions_admin noinherit createrole login noreplication;

-- Extensions live in schema extensions, which postgres owns (the init scripts run as postgres then).
create schema extensions authorization postgres;
create extension "uuid-ossp" with schema extensions;
create extension pgcrypto with schema extensions;
