-- bench/calendar: the data and the helpers (see run.sh). 20 clients, 100 platforms (5 each), 100 scheduled posts a
-- platform two hours apart (10,000 posts, each holding an ad hoc calendar slot).
\set ON_ERROR_STOP 1
create schema if not exists bench;

insert into public.clients (id, name)
select ('00000000-0000-4000-a000-' || lpad(c::text, 12, '0'))::uuid, 'Calendar bench ' || c
from generate_series(1, 20) c;
insert into public.platforms (id, client_id, name, kind, timezone)
select ('00000000-0000-4000-b000-' || lpad(p::text, 12, '0'))::uuid,
       ('00000000-0000-4000-a000-' || lpad((1 + (p - 1) / 5)::text, 12, '0'))::uuid,
       'Calendar bench ' || p, 'x', (array['UTC', 'America/New_York', 'Asia/Kolkata', 'Europe/Berlin'])[1 + p % 4]
from generate_series(1, 100) p;
create table bench.calendar_base as select date_trunc('hour', now(), 'UTC') + interval '1 day' as at;
insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for, timezone)
select pl.client_id, pl.id, 'manual', 'bench post', 'scheduled', b.at + k * interval '2 hours', pl.timezone
from public.platforms pl, bench.calendar_base b, generate_series(1, 100) k
where pl.name like 'Calendar bench %';

-- The row triggers the calendar had before its statement triggers (main at 4e2e852), to time against.
create or replace function bench.sync_distribution_calendar_rows() returns trigger
language plpgsql security definer set search_path to '' as $$
begin
  if new.scheduled_for is not null
     and new.status in ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval') then
    perform private.take_calendar_slot(new.id, new.client_id, new.platform_id, new.scheduled_for, new.timezone);
  elsif tg_op = 'UPDATE' then
    perform private.release_calendar_slots(new.id);
  end if;
  return null;
end
$$;

-- Inside the caller's transaction (rolled back after the timing): the calendar as it was, row by row.
create or replace function bench.use_row_triggers() returns void language plpgsql as $$
begin
  drop trigger distributions_calendar_insert on public.distributions;
  drop trigger distributions_calendar_update on public.distributions;
  drop trigger distributions_calendar_rollup_defer on public.distributions;
  drop trigger distributions_calendar_rollup_apply on public.distributions;
  create trigger distributions_calendar_insert after insert on public.distributions for each row
    when (new.scheduled_for is not null and new.status in ('scheduled', 'publishing', 'unconfirmed', 'pending_approval'))
    execute function bench.sync_distribution_calendar_rows();
  create trigger distributions_calendar_update after update on public.distributions for each row
    when (old.scheduled_for is distinct from new.scheduled_for or old.platform_id is distinct from new.platform_id
          or (old.status in ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval'))
             is distinct from (new.status in ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval')))
    execute function bench.sync_distribution_calendar_rows();
end
$$;

-- A statement's wall clock and its backend's CPU (utime + stime of /proc/self/stat, in clock ticks of 10 ms).
create or replace function bench.cpu_ticks() returns bigint language sql as $$
  select (f[14])::bigint + (f[15])::bigint
  from (select regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') as g) s,
       lateral (select array['', ''] || s.g as f) x
$$;
create or replace function bench.time_statement(p_sql text) returns text language plpgsql as $$
declare
  t0 timestamptz;
  c0 bigint;
  n bigint;
begin
  c0 := bench.cpu_ticks();
  t0 := clock_timestamp();
  execute p_sql;
  get diagnostics n = row_count;
  return format('%s %s %s', n, round(extract(epoch from clock_timestamp() - t0) * 1000),
                (bench.cpu_ticks() - c0) * 10);
end
$$;

-- 1,000 one-row statements, each its own statement (and statement triggers): a post moved by a minute, or a column
-- outside the calendar changed (what most writes of distributions are, the publisher's claims among them).
create table bench.calendar_one_row as
select row_number() over (order by d.id) as n, d.id from public.distributions d
where d.body = 'bench post' order by d.id limit 1000;
create or replace function bench.one_row_statements(p_kind text) returns void language plpgsql as $$
declare
  v_id uuid;
begin
  for v_id in select o.id from bench.calendar_one_row o order by o.n loop
    if p_kind = 'reschedule' then
      update public.distributions set scheduled_for = scheduled_for + interval '1 minute' where id = v_id;
    else
      update public.distributions set error_message = 'bench' where id = v_id;
    end if;
  end loop;
end
$$;
