-- After dev/compat/*.sql (run as supabase_admin): the owners and the grants hosted gives postgres on the
-- platform's schemas, and pg_cron enabled as the dashboard (supautils) enables it. Sources: supabase/postgres
-- migrations/db (demote-postgres, create_vault, post-setup's grant_pg_cron_access,
-- revoke_writes_on_cron_job_from_postgres, pg_cron-pg_net-temp-perms-fix).

-- auth belongs to Supabase Auth's role; postgres may use it (foreign keys to auth.users, the claim helpers).
alter schema auth owner to supabase_auth_admin;
alter table auth.users owner to supabase_auth_admin;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;
grant all on schema auth to postgres;
grant all on all tables in schema auth to postgres;
grant all on all routines in schema auth to postgres;

-- Vault: postgres reads and writes secrets, nothing more (the key stays supabase_admin's).
grant usage on schema vault to postgres with grant option;
grant select, delete on vault.secrets, vault.decrypted_secrets to postgres with grant option;
grant execute on function vault.create_secret(text, text, text, uuid),
  vault.update_secret(uuid, text, text, text, uuid), vault._decrypt(text) to postgres with grant option;

-- pg_net's functions are owned by the platform and granted to postgres (dev/compat/40_net.sql grants them).
grant usage on schema net to supabase_functions_admin, anon, authenticated, service_role;

-- pg_cron: created by the platform; postgres may schedule (cron.schedule records it as the jobs' user) and
-- read cron.job, but not write it directly.
create extension if not exists pg_cron with schema pg_catalog;
grant usage on schema cron to postgres with grant option;
grant all on all functions in schema cron to postgres with grant option;
grant all privileges on all tables in schema cron to postgres with grant option;
grant all privileges on all sequences in schema cron to postgres with grant option;
revoke all on table cron.job from postgres;
grant select on table cron.job to postgres with grant option;
