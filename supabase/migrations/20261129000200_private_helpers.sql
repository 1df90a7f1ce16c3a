-- Shared helpers with no table dependencies: IANA time zone validation and the updated_at trigger function.

-- Checking pg_timezone_names costs ~30 ms per call (it scans the whole tz database), far too slow for a check
-- constraint on bulk inserts. The function therefore embeds the zone list seen when the migration ran and only
-- falls back to pg_timezone_names for a name not in that snapshot (a zone added by a later tzdata update).
-- The result depends only on the installed tz database, hence IMMUTABLE.
do $do$
declare
  zones text[];
begin
  select array_agg(name order by name) into zones from pg_catalog.pg_timezone_names;
  execute format($f$
    create or replace function private.is_valid_timezone(tz text)
    returns boolean
    language plpgsql
    immutable
    parallel safe
    set search_path = ''
    as $body$
    begin
      if tz is null then
        return null;
      end if;
      if tz = any (%L::text[]) then
        return true;
      end if;
      return exists (select 1 from pg_catalog.pg_timezone_names z where z.name = tz);
    end
    $body$
  $f$, zones);
end
$do$;

comment on function private.is_valid_timezone(text) is
  'True when tz is a time zone name known to the server''s IANA tz database (pg_timezone_names). Used by check constraints.';

revoke execute on function private.is_valid_timezone(text) from public, anon;
-- Check constraints run with the privileges of the writing role.
grant execute on function private.is_valid_timezone(text) to authenticated, service_role;

create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

comment on function private.set_updated_at() is 'BEFORE UPDATE trigger: keeps updated_at equal to the time of the last change.';
revoke execute on function private.set_updated_at() from public, anon;
