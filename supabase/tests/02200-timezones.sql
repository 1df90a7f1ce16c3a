set client_min_messages = warning;
-- Time zones must be real IANA zones, everywhere a time zone is stored.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(9);
select tests.create_two_clients();

select throws_like($$ update clients set default_timezone = 'Mars/Phobos' where id = tests.fx('A', 'client') $$,
  '%clients_default_timezone_valid%', 'clients.default_timezone rejects Mars/Phobos');
select throws_like($$ update platforms set timezone = 'Mars/Phobos' where id = tests.fx('A', 'platform') $$,
  '%platforms_timezone_valid%', 'platforms.timezone rejects Mars/Phobos');
select throws_like($$ update distributions set timezone = 'Mars/Phobos' where id = tests.fx('A', 'distribution') $$,
  '%distributions_timezone_valid%', 'distributions.timezone rejects Mars/Phobos');
select throws_like($$ update publishing_calendar set timezone = 'Mars/Phobos' where id = tests.fx('A', 'calendar') $$,
  '%publishing_calendar_timezone_valid%', 'publishing_calendar.timezone rejects Mars/Phobos');
select throws_like($$ update distributions set timezone = 'UTC+5' where id = tests.fx('A', 'distribution') $$,
  '%distributions_timezone_valid%', 'a POSIX-style offset that is not a zone name is rejected');
select lives_ok($$ update distributions set timezone = 'Europe/London' where id = tests.fx('A', 'distribution') $$,
  'Europe/London is accepted');
select is((select count(*)::int from pg_timezone_names where not private.is_valid_timezone(name)), 0,
  'every zone in pg_timezone_names is valid');
select ok(not private.is_valid_timezone(''), 'the empty string is not a zone');
select is(private.is_valid_timezone(null), null, 'null is left to not-null constraints');

select * from finish();
rollback;
