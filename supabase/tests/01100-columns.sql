set client_min_messages = warning;
-- Columns and types: the design's columns keep their names, plus the tenancy columns.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
create temp table expected (tbl name, col name, typ text) on commit drop;
insert into expected values
  ('clients', 'id', 'uuid'), ('clients', 'name', 'text'), ('clients', 'default_timezone', 'text'),
  ('clients', 'created_at', 'timestamp with time zone'), ('clients', 'updated_at', 'timestamp with time zone'),
  ('client_members', 'client_id', 'uuid'), ('client_members', 'user_id', 'uuid'), ('client_members', 'role', 'text'),
  ('platforms', 'id', 'uuid'), ('platforms', 'client_id', 'uuid'), ('platforms', 'name', 'text'),
  ('platforms', 'kind', 'platform_kind'), ('platforms', 'timezone', 'text'), ('platforms', 'is_active', 'boolean'),
  ('platforms', 'max_content_length', 'integer'), ('platforms', 'max_title_length', 'integer'),
  ('platforms', 'publish_config', 'jsonb'), ('platforms', 'webhook_url', 'text'),
  ('platforms', 'credentials_secret_id', 'uuid'), ('platforms', 'posts_per_hour', 'integer'),
  ('platforms', 'posts_per_day', 'integer'), ('platforms', 'min_interval_minutes', 'integer'),
  ('platforms', 'supports_scheduling', 'boolean'), ('platforms', 'supports_editing', 'boolean'),
  ('platforms', 'supports_deletion', 'boolean'), ('platforms', 'supports_analytics', 'boolean'),
  ('platforms', 'account_id', 'text'), ('platforms', 'account_name', 'text'),
  ('platforms', 'followers_count', 'integer'), ('platforms', 'last_published_at', 'timestamp with time zone'),
  ('platforms', 'last_metrics_sync_at', 'timestamp with time zone'), ('platforms', 'api_errors_24h', 'integer'),
  ('publisher_verticals', 'client_id', 'uuid'), ('publisher_verticals', 'name', 'text'),
  ('publisher_verticals', 'slug', 'text'),
  ('generated_content', 'client_id', 'uuid'), ('generated_content', 'vertical_id', 'uuid'),
  ('generated_content', 'title', 'text'), ('generated_content', 'content', 'text'),
  ('generated_content', 'content_type', 'text'), ('generated_content', 'metadata', 'jsonb'),
  ('generated_content', 'business_unit', 'text'), ('generated_content', 'status', 'content_status'),
  ('generated_content', 'target_platform_ids', 'uuid[]'), ('generated_content', 'priority', 'text'),
  ('generated_content', 'updated_at', 'timestamp with time zone'),
  ('distributions', 'id', 'uuid'), ('distributions', 'content_id', 'uuid'), ('distributions', 'content_type', 'text'),
  ('distributions', 'platform_id', 'uuid'), ('distributions', 'title', 'text'), ('distributions', 'body', 'text'),
  ('distributions', 'media_urls', 'text[]'), ('distributions', 'link_url', 'text'),
  ('distributions', 'platform_specific', 'jsonb'), ('distributions', 'scheduled_for', 'timestamp with time zone'),
  ('distributions', 'timezone', 'text'), ('distributions', 'status', 'distribution_status'),
  ('distributions', 'published_at', 'timestamp with time zone'), ('distributions', 'external_id', 'text'),
  ('distributions', 'external_url', 'text'), ('distributions', 'error_message', 'text'),
  ('distributions', 'retry_count', 'integer'), ('distributions', 'last_retry_at', 'timestamp with time zone'),
  ('distributions', 'impressions', 'integer'), ('distributions', 'reach', 'integer'),
  ('distributions', 'engagements', 'integer'), ('distributions', 'clicks', 'integer'),
  ('distributions', 'shares', 'integer'), ('distributions', 'comments', 'integer'),
  ('distributions', 'likes', 'integer'), ('distributions', 'saves', 'integer'),
  ('distributions', 'engagement_rate', 'numeric'), ('distributions', 'click_through_rate', 'numeric'),
  ('distributions', 'variant_group', 'text'), ('distributions', 'is_control', 'boolean'),
  ('distributions', 'cross_post_group_id', 'uuid'), ('distributions', 'business_unit', 'text'),
  ('distributions', 'vertical_id', 'uuid'), ('distributions', 'client_id', 'uuid'),
  ('distributions', 'created_at', 'timestamp with time zone'), ('distributions', 'updated_at', 'timestamp with time zone'),
  ('distribution_metrics', 'distribution_id', 'uuid'), ('distribution_metrics', 'client_id', 'uuid'),
  ('distribution_metrics', 'recorded_at', 'timestamp with time zone'),
  ('distribution_metrics', 'hours_since_publish', 'integer'), ('distribution_metrics', 'video_views', 'integer'),
  ('distribution_metrics', 'video_watch_time_seconds', 'integer'), ('distribution_metrics', 'followers_gained', 'integer'),
  ('distribution_metrics', 'followers_lost', 'integer'), ('distribution_metrics', 'platform_metrics', 'jsonb'),
  ('publishing_calendar', 'client_id', 'uuid'), ('publishing_calendar', 'date', 'date'),
  ('publishing_calendar', 'time_slot', 'time without time zone'), ('publishing_calendar', 'timezone', 'text'),
  ('publishing_calendar', 'platform_id', 'uuid'), ('publishing_calendar', 'distribution_id', 'uuid'),
  ('publishing_calendar', 'slot_type', 'text'), ('publishing_calendar', 'is_locked', 'boolean'),
  ('publishing_calendar', 'recurring_pattern', 'text'),
  ('cross_post_groups', 'client_id', 'uuid'), ('cross_post_groups', 'name', 'text'),
  ('cross_post_groups', 'source_content_id', 'uuid'), ('cross_post_groups', 'timing_strategy', 'text'),
  ('cross_post_groups', 'stagger_minutes', 'integer'), ('cross_post_groups', 'status', 'cross_post_group_status'),
  ('cross_post_groups', 'updated_at', 'timestamp with time zone'),
  ('platform_patterns', 'client_id', 'uuid'), ('platform_patterns', 'platform_id', 'uuid'),
  ('platform_patterns', 'pattern_type', 'text'), ('platform_patterns', 'pattern_name', 'text'),
  ('platform_patterns', 'pattern_template', 'text'), ('platform_patterns', 'confidence', 'numeric'),
  ('platform_patterns', 'sample_size', 'integer'), ('platform_patterns', 'updated_at', 'timestamp with time zone'),
  ('pattern_feedback', 'client_id', 'uuid'), ('pattern_feedback', 'pattern_id', 'uuid'),
  ('pattern_feedback', 'content_id', 'uuid'), ('pattern_feedback', 'distribution_id', 'uuid'),
  ('pattern_feedback', 'pattern_applied', 'boolean'), ('pattern_feedback', 'impressions', 'integer'),
  ('pattern_feedback', 'engagements', 'integer'), ('pattern_feedback', 'clicks', 'integer'),
  ('pattern_feedback', 'shares', 'integer'), ('pattern_feedback', 'engagement_rate', 'numeric'),
  ('pattern_feedback', 'posted_at', 'timestamp with time zone'), ('pattern_feedback', 'day_of_week', 'smallint'),
  ('pattern_feedback', 'hour_of_day', 'smallint'), ('pattern_feedback', 'created_at', 'timestamp with time zone');

select plan((select count(*)::int from expected) + 3);

select col_type_is('public', tbl, col, typ, tbl || '.' || col || ' is ' || typ) from expected;
select col_not_null('public', t, 'client_id', t || '.client_id is not null') from unnest(array['distributions', 'platforms']::name[]) t;
select col_type_is('public', 'platforms', 'credentials_secret_id', 'uuid',
  'credentials are a Vault reference (uuid), not the secret');

select * from finish();
rollback;
