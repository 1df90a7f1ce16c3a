set client_min_messages = warning;
-- Every table of the schema exists with a primary key.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(22);

select has_table('public', t, t || ' exists') from unnest(array[
  'clients', 'client_members', 'platforms', 'publisher_verticals', 'generated_content', 'cross_post_groups',
  'distributions', 'distribution_metrics', 'publishing_calendar', 'platform_patterns', 'pattern_feedback'
]::name[]) as t;
select has_pk('public', t, t || ' has a primary key') from unnest(array[
  'clients', 'client_members', 'platforms', 'publisher_verticals', 'generated_content', 'cross_post_groups',
  'distributions', 'distribution_metrics', 'publishing_calendar', 'platform_patterns', 'pattern_feedback'
]::name[]) as t;

select * from finish();
rollback;
