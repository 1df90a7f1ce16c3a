set client_min_messages = warning;
-- platforms.kind is one of the eight supported kinds.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(2);
select tests.create_two_clients();

select throws_like($$ insert into platforms (client_id, name, kind) values (tests.fx('A', 'client'), 'MySpace', 'myspace') $$,
  '%invalid input value for enum platform_kind: "myspace"%', 'an unknown platform kind is rejected');
select results_eq($$
  with ins as (insert into platforms (client_id, name, kind)
    select tests.fx('A', 'client'), 'p-' || k, k
    from unnest(array['wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast']::platform_kind[]) k
    returning kind)
  select count(*)::int from ins $$, $$ values (8) $$, 'all eight kinds are accepted');

select * from finish();
rollback;
