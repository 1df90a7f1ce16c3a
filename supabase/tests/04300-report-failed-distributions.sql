-- The design's "Failed Distributions" query runs unchanged.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'UTC';
select plan(2);
select tests.create_two_clients();
insert into distributions (id, client_id, platform_id, content_type, title, body, status, scheduled_for, error_message, retry_count)
values ('aaaaaaaa-0000-4000-8000-0000000000f1', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'Broken',
        'x', 'failed', '2030-01-01 09:00+00', 'HTTP 400: duplicate content', 3),
       ('bbbbbbbb-0000-4000-8000-0000000000f1', tests.fx('B', 'client'), tests.fx('B', 'platform'), 'manual', 'B broken',
        'x', 'failed', '2030-01-01 09:00+00', 'HTTP 401', 1);

select lives_ok($q$
SELECT 
  d.id,
  p.name as platform,
  d.title,
  d.scheduled_for,
  d.error_message,
  d.retry_count
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'failed'
ORDER BY d.scheduled_for DESC
LIMIT 20;
$q$, 'the query runs unchanged as postgres');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select results_eq($q$
SELECT 
  d.id,
  p.name as platform,
  d.title,
  d.scheduled_for,
  d.error_message,
  d.retry_count
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'failed'
ORDER BY d.scheduled_for DESC
LIMIT 20;
$q$, $$ values ('aaaaaaaa-0000-4000-8000-0000000000f1'::uuid, 'Blog A'::text, 'Broken'::text,
                   '2030-01-01 09:00+00'::timestamptz, 'HTTP 400: duplicate content'::text, 3) $$,
  'as a member of A: A''s failed distribution only');

select * from finish();
rollback;
