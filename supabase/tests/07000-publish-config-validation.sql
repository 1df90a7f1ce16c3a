set client_min_messages = warning;
-- A member writing a malformed publish_config through the table (as PostgREST and Studio do) is refused with
-- SQLSTATE 22023 and a message naming the key: every key a reader uses, with a value of the wrong type, out of
-- range, too long; unknown keys; an oversized object. Well-formed values (the demo platforms', the fixture's)
-- are accepted.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(104);
select tests.create_two_clients();
select tests.create_user('editor_b@test.local');
insert into client_members (client_id, user_id, role)
values (tests.fx('B', 'client'), tests.get_user_id('editor_b@test.local'), 'editor');

-- B's editor (or, for the keys that say where credentials go, B's owner: who may change those is a rule of its
-- own) writes one key; the error, if any.
create function pg_temp.refusal(p_key text, p_value jsonb) returns text language plpgsql as $f$
declare
  v_state text;
  v_message text;
begin
  perform tests.authenticate_as(tests.get_user_id(
    case when p_key in ('base_url', 'token_url', 'hosting', 'analytics') then 'owner_b@test.local'
         else 'editor_b@test.local' end));
  begin
    update public.platforms set publish_config = publish_config || jsonb_build_object(p_key, p_value)
      where id = tests.fx('B', 'platform');
    perform tests.clear_authentication();
    return 'accepted';
  exception when others then
    get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
    perform tests.clear_authentication();
    return v_state || ' ' || v_message;
  end;
end
$f$;

create temp table malformed (key text, value jsonb, why text);
grant select on malformed to authenticated;
insert into malformed values
  ('native_scheduling', '"x"', 'a string for a boolean'),
  ('native_scheduling', '1', 'a number for a boolean'),
  ('max_attempts', '"five"', 'a string for an integer'),
  ('max_attempts', '0', 'below the range'),
  ('max_attempts', '2.5', 'not an integer'),
  ('max_attempts', '1e300', 'huge'),
  ('retry_base_seconds', '-1', 'negative'),
  ('retry_base_seconds', 'true', 'a boolean for a number'),
  ('retry_max_seconds', '1e9', 'beyond a week'),
  ('reconcile_after_seconds', '1e300', 'huge (no interval holds it)'),
  ('reconcile_after_seconds', '"60"', 'a numeric string'),
  ('native_min_lead_seconds', '-5', 'negative'),
  ('native_lead_minutes', '"sixty"', 'a string'),
  ('native_lead_minutes', '99999999', 'beyond a week'),
  ('max_concurrency', '0', 'zero'),
  ('max_concurrency', '100000', 'beyond the range'),
  ('max_lapses', '"three"', 'a string'),
  ('reconcile_max_seconds', '1.5', 'not an integer'),
  ('reconcile_max_seconds', '0', 'zero'),
  ('timeout_ms', '-1', 'negative'),
  ('timeout_ms', '"fast"', 'a string'),
  ('timeout_ms', '1e12', 'beyond ten minutes'),
  ('base_url', '42', 'a number for a URL'),
  ('base_url', to_jsonb('http://' || repeat('a', 3000)), 'over 2048 characters'),
  ('token_url', '"ftp://x"', 'not http(s)'),
  ('token_url', '{}', 'an object'),
  ('create_categories', '"yes"', 'a string for a boolean'),
  ('list_id', '123', 'a number for a string'),
  ('from_name', to_jsonb(repeat('n', 100000)), 'a 100,000-character string'),
  ('reply_to', '[]', 'an array'),
  ('graph_version', '"v23.0-and-a-very-long-tail"', 'too long'),
  ('ig_user_id', 'null', 'null'),
  ('poll_interval_ms', '-200', 'negative'),
  ('poll_interval_ms', '1e300', 'huge'),
  ('poll_attempts', '0', 'zero'),
  ('quota_cache_ms', '"1 minute"', 'a string'),
  ('quota_recheck_margin', '-1', 'negative'),
  ('author_urn', 'false', 'a boolean'),
  ('api_version', '202610', 'a number for a string'),
  ('visibility', '"EVERYONE"', 'not one of the values'),
  ('default_privacy_level', '"PUBLIC"', 'not one of the values'),
  ('video_source', '"ftp"', 'not one of the values'),
  ('upload_chunk_bytes', '1', 'below the range'),
  ('upload_timeout_ms', '0', 'zero'),
  ('category_id', '22', 'a number for a string'),
  ('privacy_status', '"secret"', 'not one of the values'),
  ('made_for_kids', '"no"', 'a string for a boolean'),
  ('status_url', '{"id": 1}', 'an object'),
  ('media_processing_max_wait_ms', '-1', 'negative'),
  ('rest_style', '7', 'a number for an enum'),
  ('force_delete', '"true"', 'a string for a boolean'),
  ('feed_url', '"javascript:alert(1)"', 'not http(s)'),
  ('title', to_jsonb(repeat('t', 5000)), 'too long'),
  ('description', '42', 'a number'),
  ('image_url', '"cover.png"', 'not a URL'),
  ('language', to_jsonb(repeat('e', 100)), 'too long'),
  ('category', '[]', 'an array'),
  ('explicit', '"clean"', 'a string for a boolean'),
  ('author', '1', 'a number'),
  ('link', '"example.com"', 'not a URL'),
  ('type', '"weekly"', 'not one of the values'),
  ('feed_page_size', '0', 'zero'),
  ('feed_page_size', '"all"', 'a string'),
  ('limits', '"none"', 'not an object'),
  ('limits', '{"maxHashtags": "thirty"}', 'a limit of the wrong type'),
  ('limits', '{"maxHashtags": -1}', 'a negative limit'),
  ('limits', '{"maxHashtagz": 5}', 'an unknown limit'),
  ('limits', '{"titleRequired": "yes"}', 'a string for a boolean limit'),
  ('limits', '{"enclosureTypes": "audio/mpeg"}', 'a string for a list'),
  ('limits', '{"enclosureTypes": [1]}', 'a number in a list of strings'),
  ('learning', '[]', 'not an object'),
  ('learning', '{"slots": 500}', 'out of range'),
  ('learning', '{"explore": 2}', 'out of range'),
  ('learning', '{"first_hour": 24}', 'out of range'),
  ('learning', '{"enabled": "on"}', 'a string for a boolean'),
  ('learning', '{"speed": 1}', 'an unknown key'),
  ('hosting', '{"base_url": "http://127.0.0.1:1"}', 'without show_id'),
  ('hosting', '{"show_id": 7}', 'a number for show_id'),
  ('hosting', '{"show_id": "s", "base_url": "gopher://x"}', 'not an http(s) base_url'),
  ('analytics', '{"auth": "none"}', 'without url'),
  ('analytics', '{"url": "https://a/{id}", "auth": "basic"}', 'an unknown auth'),
  ('analytics', '{"url": "https://a/{id}", "fields": {"views": 1}}', 'a number in fields'),
  ('owner', '{"name": "N"}', 'without email'),
  ('owner', '{"name": "N", "email": 5}', 'a number for email'),
  ('nativ_scheduling', 'true', 'a misspelt (unknown) key');

-- The message names the key (a nested key by its path) and says what it must be.
select is(pg_temp.refusal(m.key, m.value) ~ ('^22023 publish_config\.' || m.key || '(\.| )'
                                             || '|^22023 publish_config(\.' || m.key || ')? has an unknown key'),
          true,
          format('publish_config.%s %s is refused naming the key: %s', m.key, m.why,
                 left(pg_temp.refusal(m.key, m.value), 120)))
from malformed m order by m.key, m.why;

-- Kind-specific ranges.
update platforms set kind = 'tiktok', publish_config = '{}' where id = tests.fx('B', 'platform');
select is(pg_temp.refusal('upload_chunk_bytes', '1048576'),
  '22023 publish_config.upload_chunk_bytes must be an integer from 5242880 to 67108864 (got 1048576)',
  'tiktok: upload_chunk_bytes below 5 MB is refused with the range');
update platforms set kind = 'youtube', publish_config = '{}' where id = tests.fx('B', 'platform');
select is(pg_temp.refusal('upload_chunk_bytes', '300000'),
  '22023 publish_config.upload_chunk_bytes must be a multiple of 262144 on youtube (got 300000)',
  'youtube: upload_chunk_bytes that is not a whole number of 256 KiB units is refused');
select is(pg_temp.refusal('upload_chunk_bytes', '8388608'), 'accepted', 'youtube: 8 MiB chunks are accepted');
update platforms set kind = 'wordpress', publish_config = '{"base_url": "http://127.0.0.1:1"}'
  where id = tests.fx('B', 'platform');

-- The exact wording a person sees.
select is(pg_temp.refusal('native_scheduling', '"x"'),
  '22023 publish_config.native_scheduling must be a boolean (got "x")', 'native_scheduling "x": the message');
select is(pg_temp.refusal('max_attempts', '"five"'),
  '22023 publish_config.max_attempts must be an integer from 1 to 100 (got "five")', 'max_attempts: the message');

-- The whole object is bounded.
select is(pg_temp.refusal('description', to_jsonb(repeat('d', 9000))) || ' / ' ||
          pg_temp.refusal('title', to_jsonb(repeat('t', 900))), 'accepted / accepted',
  'long values within their limits are accepted');
select throws_ok(
  $$ update platforms set publish_config = publish_config || '{"limits": {"maxHashtags1": 1}}'
     where id = tests.fx('B', 'platform') $$,
  '22023', 'publish_config.limits has an unknown key "maxHashtags1"', 'an unknown limit is named');
select throws_ok(
  $$ update platforms set publish_config = jsonb_build_object('description', repeat('d', 9000),
       'title', repeat('t', 900), 'category', repeat('c', 900), 'author', repeat('a', 900),
       'learning', '{}'::jsonb, 'link', 'https://' || repeat('l', 2000), 'feed_url', 'https://' || repeat('f', 2000),
       'image_url', 'https://' || repeat('i', 2000), 'status_url', repeat('s', 2000))
     where id = tests.fx('B', 'platform') $$,
  '22023', null, 'an object over 16 KiB is refused');
select matches((select pg_temp.refusal('status_url', to_jsonb(repeat('s', 2000))) || ' ' ||
                pg_temp.refusal('image_url', to_jsonb('https://' || repeat('i', 2000))) || ' ' ||
                pg_temp.refusal('link', to_jsonb('https://' || repeat('l', 2000))) || ' ' ||
                pg_temp.refusal('feed_url', to_jsonb('https://' || repeat('f', 2000))) || ' ' ||
                pg_temp.refusal('category', to_jsonb(repeat('c', 900))) || ' ' ||
                pg_temp.refusal('author', to_jsonb(repeat('a', 900))) || ' ' ||
                pg_temp.refusal('description', to_jsonb(repeat('d', 9000)))),
  'publish_config must be at most 16384 bytes as JSON \(got \d+ bytes\)',
  'a member growing the object past 16 KiB key by key is refused with the size');

-- Not a JSON object at all (a check constraint refused it before; the trigger says so first, by name).
select throws_ok($$ update platforms set publish_config = '[1]' where id = tests.fx('B', 'platform') $$,
  '22023', 'publish_config must be a JSON object (got [1])', 'an array is refused');

-- Well-formed values are accepted; a refusal changes nothing.
update platforms set publish_config = '{"base_url": "http://127.0.0.1:1"}' where id = tests.fx('B', 'platform');
select is(pg_temp.refusal('limits', '{"maxHashtags": 5, "postsPer24h": 1000000000, "titleRequired": false}'),
  'accepted', 'overrides of limits are accepted');
select is(pg_temp.refusal('learning', '{"slots": 7, "explore": 0.1, "first_hour": 6, "last_hour": 22, "enabled": true}'),
  'accepted', 'learning settings are accepted');
select is(pg_temp.refusal('native_scheduling', 'true') || ' ' || pg_temp.refusal('max_attempts', '3') || ' ' ||
          pg_temp.refusal('retry_base_seconds', '0.2') || ' ' || pg_temp.refusal('poll_interval_ms', '0') || ' ' ||
          pg_temp.refusal('analytics', '{"url": "https://a/{id}", "auth": "none", "fields": {"views": "pageviews"}}'),
  'accepted accepted accepted accepted accepted', 'booleans, integers, numbers and objects in range are accepted');
select is((select publish_config -> 'native_scheduling' from platforms where id = tests.fx('B', 'platform')),
  'true'::jsonb, 'the accepted value is stored (the refused ones were not)');
select is((select count(*)::int from platforms where private.publish_config_problem(publish_config, kind::text) is not null),
  0, 'every stored platform (the demo platforms, the fixture) is well formed');

-- The service role is held to the same types.
select tests.authenticate_as_service_role();
select throws_ok($$ update platforms set publish_config = '{"max_lapses": "three"}' where id = tests.fx('B', 'platform') $$,
  '22023', 'publish_config.max_lapses must be an integer from 1 to 100 (got "three")', 'the service role too');
select tests.clear_authentication();

-- Another column of a row holding an older bad value stays editable; the value itself shows in platform_health.
set local session_replication_role = replica;
update platforms set publish_config = '{"base_url": "http://127.0.0.1:1", "native_scheduling": "x"}'
  where id = tests.fx('B', 'platform');
set local session_replication_role = origin;
select tests.authenticate_as(tests.get_user_id('editor_b@test.local'));
select lives_ok($$ update platforms set name = 'Renamed blog B' where id = tests.fx('B', 'platform') $$,
  'renaming a platform whose stored publish_config predates the check is allowed');
select is((select config_problem from platform_health where platform_id = tests.fx('B', 'platform')),
  'publish_config.native_scheduling must be a boolean (got "x")', 'B''s member sees the problem in platform_health');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select is((select config_problem from platform_health where platform_id = tests.fx('A', 'platform')), null,
  'A''s platform has no problem');
select tests.clear_authentication();

select * from finish();
rollback;
