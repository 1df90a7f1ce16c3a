set client_min_messages = warning;
-- Counts, limits and rates cannot be negative.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(12);
select tests.create_two_clients();

select throws_like(format('update distributions set %I = -1 where id = %L', c, tests.fx('A', 'distribution')),
  '%distributions_' || c || '_check%', 'distributions.' || c || ' cannot be negative')
from unnest(array['retry_count', 'impressions', 'clicks', 'engagement_rate']) c;
select throws_like(format('update distribution_metrics set %I = -1 where id = %L', c, tests.fx('A', 'metric')),
  '%distribution_metrics_' || c || '_check%', 'distribution_metrics.' || c || ' cannot be negative')
from unnest(array['impressions', 'followers_lost']) c;
select throws_like(format('update platforms set %I = -1 where id = %L', c, tests.fx('A', 'platform')),
  '%platforms_' || c || '_check%', 'platforms.' || c || ' cannot be negative')
from unnest(array['followers_count', 'api_errors_24h', 'min_interval_minutes']) c;
select throws_like($$ update platforms set posts_per_hour = 0 where id = tests.fx('A', 'platform') $$,
  '%platforms_posts_per_hour_check%', 'a rate limit of zero posts is rejected (use is_active to pause)');
select throws_like($$ update pattern_feedback set hour_of_day = 24 where id = tests.fx('A', 'feedback') $$,
  '%pattern_feedback_hour_of_day_check%', 'pattern_feedback.hour_of_day is 0..23');
select throws_like($$ update platform_patterns set sample_size = -1 where id = tests.fx('A', 'pattern') $$,
  '%platform_patterns_sample_size_check%', 'platform_patterns.sample_size cannot be negative');

select * from finish();
rollback;
