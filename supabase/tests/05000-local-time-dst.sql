-- Local wall time -> instant across daylight-saving changes, whatever the session TimeZone: a time in the
-- spring-forward gap moves to the first instant after it; an ambiguous fall-back time takes the earlier instant.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(10);

select is(scheduling.local_to_utc('2030-03-10 02:30', 'America/New_York'), '2030-03-10 07:00:00+00'::timestamptz,
  'New York spring-forward: 02:30 does not exist -> 03:00 EDT (07:00Z)');
select is(scheduling.local_to_utc('2030-03-10 03:00', 'America/New_York'), '2030-03-10 07:00:00+00'::timestamptz,
  'New York spring-forward: 03:00 EDT is 07:00Z');
select is(scheduling.local_to_utc('2030-11-03 01:30', 'America/New_York'), '2030-11-03 05:30:00+00'::timestamptz,
  'New York fall-back: 01:30 is ambiguous -> the earlier (EDT, 05:30Z)');
select is(scheduling.local_to_utc('2030-11-03 09:00', 'America/New_York'), '2030-11-03 14:00:00+00'::timestamptz,
  'New York after fall-back: 09:00 EST is 14:00Z');
select is(scheduling.local_to_utc('2030-03-31 01:30', 'Europe/London'), '2030-03-31 01:00:00+00'::timestamptz,
  'London spring-forward: 01:30 does not exist -> 02:00 BST (01:00Z)');
select is(scheduling.local_to_utc('2030-10-27 01:30', 'Europe/London'), '2030-10-27 00:30:00+00'::timestamptz,
  'London fall-back: 01:30 is ambiguous -> the earlier (BST, 00:30Z)');
select is(scheduling.to_local_iso('2030-03-10 07:00:00+00', 'America/New_York'), '2030-03-10T03:00:00-04:00',
  'local ISO text carries the zone''s offset');
select is(scheduling.to_utc_iso('2030-03-10 07:00:00+00'), '2030-03-10T07:00:00Z', 'UTC ISO text');
set local timezone = 'Asia/Kathmandu';
select is(scheduling.local_to_utc('2030-03-10 02:30', 'America/New_York'), '2030-03-10 07:00:00+00'::timestamptz,
  'the session TimeZone does not matter');
select is(scheduling.to_local_iso('2030-10-27 00:30:00+00', 'Europe/London'), '2030-10-27T01:30:00+01:00',
  'nor for the local ISO text');

select * from finish();
rollback;
