-- cross_post_groups.status follows its members for each mix of member statuses.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(9);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-000000000671', tests.fx('A', 'client'), 'Group', 'x', 0);
insert into cross_post_groups (id, client_id, timing_strategy) values ('00000000-0000-4000-8000-0000000006f0', tests.fx('A', 'client'), 'simultaneous');
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, cross_post_group_id)
select ('00000000-0000-4000-8000-0000000006f' || n)::uuid, tests.fx('A', 'client'), 'manual',
       '00000000-0000-4000-8000-000000000671', 'm' || n, 'scheduled', timestamptz '2030-01-07 10:00+00' + n * interval '1 hour',
       '00000000-0000-4000-8000-0000000006f0'
from generate_series(1, 3) n;

create function pg_temp.set_status(p_n int, p_status text) returns void language plpgsql as $$
begin
  if p_status in ('publishing', 'published', 'failed') then
    update public.distributions set status = 'publishing', attempt_id = gen_random_uuid(), lease_expires_at = now()
     where id = ('00000000-0000-4000-8000-0000000006f' || p_n)::uuid and status = 'scheduled';
  end if;
  update public.distributions
     set status = p_status::distribution_status,
         published_at = case when p_status = 'published' then now() end,
         attempt_id = case when p_status = 'publishing' then attempt_id end,
         lease_expires_at = case when p_status = 'publishing' then lease_expires_at end
   where id = ('00000000-0000-4000-8000-0000000006f' || p_n)::uuid and status <> p_status::distribution_status;
end $$;
create function pg_temp.group_status() returns text language sql as $$
  select status from public.cross_post_groups where id = '00000000-0000-4000-8000-0000000006f0' $$;

select is(pg_temp.group_status(), 'pending', 'all scheduled: pending');
select pg_temp.set_status(1, 'publishing');
select is(pg_temp.group_status(), 'in_progress', 'one publishing: in_progress');
select pg_temp.set_status(1, 'published');
select is(pg_temp.group_status(), 'in_progress', 'one published, others scheduled: in_progress');
select pg_temp.set_status(2, 'published');
select pg_temp.set_status(3, 'published');
select is(pg_temp.group_status(), 'completed', 'all published: completed');

insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, cross_post_group_id)
values ('00000000-0000-4000-8000-0000000006f4', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000671',
        'm4', 'scheduled', '2030-01-08 10:00+00', '00000000-0000-4000-8000-0000000006f0');
select is(pg_temp.group_status(), 'in_progress', 'a member added: in_progress again');
select pg_temp.set_status(4, 'failed');
select is(pg_temp.group_status(), 'partial', 'published and failed: partial');
delete from distributions where id in ('00000000-0000-4000-8000-0000000006f1', '00000000-0000-4000-8000-0000000006f2',
                                       '00000000-0000-4000-8000-0000000006f3');
select is(pg_temp.group_status(), 'failed', 'published members deleted, only a failed one left: failed');
select pg_temp.set_status(4, 'scheduled');
select is(pg_temp.group_status(), 'pending', 'the failed one retried: pending');
select pg_temp.set_status(4, 'cancelled');
select is(pg_temp.group_status(), 'failed', 'all cancelled: failed');

select * from finish();
rollback;
