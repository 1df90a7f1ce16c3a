set client_min_messages = warning;
-- The design's indexes exist, and every foreign key and every policy column (client_id) is indexed.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(15);

select has_index('public', t, i, t || ' has ' || i) from (values
  ('distributions', 'idx_distributions_status'),
  ('distributions', 'idx_distributions_scheduled'), ('distributions', 'idx_distributions_published'),
  ('distributions', 'idx_distributions_content'), ('distributions', 'idx_distributions_vertical'),
  ('distributions', 'idx_distributions_external'),
  ('distribution_metrics', 'idx_distribution_metrics_distribution'),
  ('distribution_metrics', 'idx_distribution_metrics_recorded'),
  ('publishing_calendar', 'idx_publishing_calendar_date'), ('publishing_calendar', 'idx_publishing_calendar_platform'),
  ('publishing_calendar', 'idx_publishing_calendar_distribution'), ('cross_post_groups', 'idx_cross_post_groups_status')
) as v (t, i);

select col_is_unique('public', 'publishing_calendar', array['date', 'time_slot', 'platform_id']::name[],
  'publishing_calendar has unique(date, time_slot, platform_id)');

-- A foreign key is covered when some index of the table starts with the key's first column.
select is(array(
  select c.conrelid::regclass || '.' || c.conname
  from pg_constraint c join pg_namespace n on n.oid = c.connamespace
  where c.contype = 'f' and n.nspname = 'public'
    and not exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1])
  order by 1), '{}'::text[], 'every foreign key in public has an index on its leading column');

select is(array(
  select a.attrelid::regclass::text
  from pg_attribute a join pg_class r on r.oid = a.attrelid join pg_namespace n on n.oid = r.relnamespace
  where n.nspname = 'public' and r.relkind in ('r', 'p') and a.attname = 'client_id' and not a.attisdropped
    and not exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indkey[0] = a.attnum)
  order by 1), '{}'::text[], 'every client_id column (used by the policies) leads an index');

select * from finish();
rollback;
