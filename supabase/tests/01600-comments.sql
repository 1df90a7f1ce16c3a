set client_min_messages = warning;
-- Studio shows comments: every table and the non-obvious columns have one.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(2);

select is(array(select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
                  and obj_description(c.oid, 'pg_class') is null order by 1),
  '{}'::text[], 'every table and view in public has a comment');
select is(array(select t || '.' || c from (values
    ('platforms', 'kind'), ('platforms', 'publish_config'), ('platforms', 'credentials_secret_id'),
    ('platforms', 'posts_per_hour'), ('platforms', 'posts_per_day'), ('platforms', 'min_interval_minutes'),
    ('distributions', 'status'), ('distributions', 'timezone'), ('distributions', 'engagement_rate'),
    ('generated_content', 'status'), ('generated_content', 'target_platform_ids'), ('generated_content', 'metadata'),
    ('publishing_calendar', 'time_slot'), ('publishing_calendar', 'is_locked'), ('cross_post_groups', 'status'),
    ('platform_patterns', 'pattern_template'), ('client_members', 'role')) as v (t, c)
  where col_description(('public.' || t)::regclass,
          (select attnum from pg_attribute where attrelid = ('public.' || t)::regclass and attname = c)) is null
  order by 1), '{}'::text[], 'the non-obvious columns have comments');

select * from finish();
rollback;
