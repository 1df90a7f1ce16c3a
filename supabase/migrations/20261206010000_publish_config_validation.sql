-- platforms.publish_config is checked when it is written, key by key: a value of the wrong type, out of its range
-- or too long is refused with SQLSTATE 22023 and a message naming the key and what it must be
-- ('publish_config.native_scheduling must be a boolean (got "x")'), so a Studio or REST edit fails at once instead
-- of being stored and breaking a later run. Unknown keys are refused too (a misspelt setting would otherwise be
-- ignored in silence). The trigger runs for every writer, the service role included; only a row whose
-- publish_config (or kind) changes is checked, so other columns of a row holding an older value stay editable.
--
-- This decides only whether a value is well formed. Who may change which key is decided elsewhere.
--
-- The readers are defensive anyway (values written before this check, or with triggers disabled): SQL reads each
-- setting through private.config_boolean / config_integer / config_number, which fall back to the default for a
-- value that is not of the setting's type or range, so one platform's bad value never fails a statement that
-- also serves other platforms. platform_health shows the first problem of a platform's stored value.

-- ---------------------------------------------------------------------------------------------------------
-- Checking one value

create function private.json_value_problem(
  p_path text,
  p_value jsonb,
  p_type text,
  p_min numeric default null,
  p_max numeric default null,
  p_values text[] default null
) returns text
language plpgsql
immutable
security definer
set search_path = ''
as $$
declare
  v_got text := left(p_value::text, 60) || case when length(p_value::text) > 60 then '...' else '' end;
  v_type text := jsonb_typeof(p_value);
  v_number numeric;
begin
  case p_type
    when 'boolean' then
      if v_type = 'boolean' then return null; end if;
      return format('%s must be a boolean (got %s)', p_path, v_got);
    when 'integer', 'number' then
      if v_type = 'number' then
        v_number := (p_value #>> '{}')::numeric;
        if v_number between p_min and p_max and (p_type = 'number' or v_number = trunc(v_number)) then
          return null;
        end if;
      end if;
      return format('%s must be %s from %s to %s (got %s)', p_path,
                    case p_type when 'integer' then 'an integer' else 'a number' end, p_min, p_max, v_got);
    when 'string' then
      if v_type = 'string' and char_length(p_value #>> '{}') <= p_max then return null; end if;
      return format('%s must be a string of at most %s characters (got %s)', p_path, p_max, v_got);
    when 'url' then
      if v_type = 'string' and char_length(p_value #>> '{}') <= 2048 and (p_value #>> '{}') ~ '^https?://\S+$' then
        return null;
      end if;
      return format('%s must be an http(s) URL of at most 2048 characters (got %s)', p_path, v_got);
    when 'enum' then
      if v_type = 'string' and (p_value #>> '{}') = any (p_values) then return null; end if;
      return format('%s must be one of %s (got %s)', p_path, array_to_string(p_values, ', '), v_got);
    else
      raise exception 'json_value_problem: unknown type %', p_type;
  end case;
end
$$;

comment on function private.json_value_problem(text, jsonb, text, numeric, numeric, text[]) is
  'Null when p_value is a p_type (boolean; integer or number within [p_min, p_max]; string of at most p_max '
  'characters; http(s) url; enum of p_values), else a message naming p_path, the expected type and the value.';

create function private.json_object_problem(p_path text, p_value jsonb) returns text
language sql
immutable
security definer
set search_path = ''
as $$
  select case when jsonb_typeof(p_value) = 'object' then null
              else format('%s must be a JSON object (got %s)', p_path, left(p_value::text, 60)) end
$$;

-- A key named in a message: the key as JSON, shortened.
create function private.json_key_label(p_path text, p_key text) returns text
language sql
immutable
security definer
set search_path = ''
as $$
  select format('%s has an unknown key %s', p_path, to_jsonb(left(p_key, 64))::text)
$$;

-- ---------------------------------------------------------------------------------------------------------
-- publish_config

-- Every limit of supabase/functions/_shared/adapters/settings.ts (any kind's, so one override set on every
-- platform, as the benchmark does, stays valid): counts are non-negative integers.
create function private.publish_limits_problem(p_limits jsonb) returns text
language plpgsql
immutable
security definer
set search_path = ''
as $$
declare
  v_key text;
  v_value jsonb;
  v_problem text;
  v_item jsonb;
begin
  v_problem := private.json_object_problem('publish_config.limits', p_limits);
  if v_problem is not null then return v_problem; end if;
  for v_key, v_value in select e.key, e.value from jsonb_each(p_limits) e order by e.key loop
    v_problem := case
      when v_key = 'titleRequired' then
        private.json_value_problem('publish_config.limits.' || v_key, v_value, 'boolean')
      when v_key = 'enclosureTypes' then
        case when jsonb_typeof(v_value) <> 'array' or jsonb_array_length(v_value) > 50
             then format('publish_config.limits.enclosureTypes must be an array of at most 50 strings (got %s)',
                         left(v_value::text, 60)) end
      when v_key = any (array[
        'minBodyChars', 'futureThresholdSeconds', 'maxWeightedLength', 'maxImages', 'maxGifs', 'maxVideos',
        'maxVideoSeconds', 'lookupWindowHours', 'lookupMaxResults', 'maxCommentaryChars', 'maxTitleChars',
        'maxDescriptionBytes', 'maxTagsChars', 'uploadResumeAttempts', 'maxSubjectChars', 'maxPreviewTextChars',
        'scheduleStepMinutes', 'maxCaptionChars', 'maxHashtags', 'maxMentions', 'maxCarouselItems', 'postsPer24h',
        'maxTitleUtf16', 'maxValueChars']) then
        private.json_value_problem('publish_config.limits.' || v_key, v_value, 'integer', 0, 2147483647)
      else private.json_key_label('publish_config.limits', v_key)
    end;
    if v_problem is not null then return v_problem; end if;
    if v_key = 'enclosureTypes' then
      for v_item in select e from jsonb_array_elements(v_value) e loop
        v_problem := private.json_value_problem('publish_config.limits.enclosureTypes[]', v_item, 'string', null, 255);
        if v_problem is not null then return v_problem; end if;
      end loop;
    end if;
  end loop;
  return null;
end
$$;

-- An object setting with its own keys: {key: [type, min, max, values...]}; required keys listed apart.
create function private.json_fields_problem(p_path text, p_value jsonb, p_spec jsonb, p_required text[] default '{}')
returns text
language plpgsql
immutable
security definer
set search_path = ''
as $$
declare
  v_key text;
  v_item jsonb;
  v_spec jsonb;
  v_problem text;
begin
  v_problem := private.json_object_problem(p_path, p_value);
  if v_problem is not null then return v_problem; end if;
  foreach v_key in array p_required loop
    if not p_value ? v_key then return format('%s.%s is required', p_path, v_key); end if;
  end loop;
  for v_key, v_item in select e.key, e.value from jsonb_each(p_value) e order by e.key loop
    v_spec := p_spec -> v_key;
    if v_spec is null then return private.json_key_label(p_path, v_key); end if;
    if v_spec ->> 0 = 'string_map' then
      -- an object of at most 50 string values
      v_problem := private.json_object_problem(p_path || '.' || v_key, v_item);
      if v_problem is null and (select count(*) from jsonb_each(v_item)) > 50 then
        v_problem := format('%s.%s must have at most 50 entries', p_path, v_key);
      end if;
      if v_problem is null then
        select private.json_value_problem(p_path || '.' || v_key || '.' || e.key, e.value, 'string', null, 255)
          into v_problem
        from jsonb_each(v_item) e
        where private.json_value_problem(p_path || '.' || v_key || '.' || e.key, e.value, 'string', null, 255)
              is not null
        order by e.key limit 1;
      end if;
    else
      v_problem := private.json_value_problem(p_path || '.' || v_key, v_item, v_spec ->> 0,
                                              (v_spec ->> 1)::numeric, (v_spec ->> 2)::numeric,
                                              array(select jsonb_array_elements_text(v_spec -> 3)));
    end if;
    if v_problem is not null then return v_problem; end if;
  end loop;
  return null;
end
$$;

create function private.publish_config_problem(p_config jsonb, p_kind text default null) returns text
language plpgsql
immutable
security definer
set search_path = ''
as $$
declare
  v_key text;
  v_value jsonb;
  v_spec jsonb;
  v_problem text;
  v_size integer;
  -- Top-level settings: every key a reader uses (SQL: the queue; TypeScript: the run, the adapters, the
  -- podcast feed, the learning job). [type, min, max, values]; ranges bound what a reader turns into an
  -- interval, a timer or a loop. A reader of a new setting adds it here; until then writing it is refused.
  c_spec constant jsonb := '{
    "base_url": ["string", null, 2048],
    "token_url": ["url"],
    "timeout_ms": ["integer", 1, 600000],
    "max_attempts": ["integer", 1, 100],
    "retry_base_seconds": ["number", 0, 86400],
    "retry_max_seconds": ["number", 0, 604800],
    "reconcile_after_seconds": ["number", 0, 86400],
    "native_scheduling": ["boolean"],
    "native_min_lead_seconds": ["integer", 0, 86400],
    "native_lead_minutes": ["integer", 0, 10080],
    "max_concurrency": ["integer", 1, 256],
    "max_lapses": ["integer", 1, 100],
    "reconcile_max_seconds": ["integer", 1, 2592000],
    "create_categories": ["boolean"],
    "list_id": ["string", null, 200],
    "from_name": ["string", null, 200],
    "reply_to": ["string", null, 320],
    "graph_version": ["string", null, 20],
    "ig_user_id": ["string", null, 100],
    "poll_interval_ms": ["integer", 0, 60000],
    "poll_attempts": ["integer", 1, 1000],
    "quota_cache_ms": ["integer", 0, 86400000],
    "quota_recheck_margin": ["integer", 0, 10000],
    "author_urn": ["string", null, 200],
    "api_version": ["string", null, 20],
    "visibility": ["enum", null, null, ["PUBLIC", "CONNECTIONS", "LOGGED_IN"]],
    "default_privacy_level": ["enum", null, null,
                              ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]],
    "video_source": ["enum", null, null, ["pull_from_url", "file_upload"]],
    "upload_chunk_bytes": ["integer", 262144, 67108864],
    "upload_timeout_ms": ["integer", 1, 3600000],
    "category_id": ["string", null, 50],
    "privacy_status": ["enum", null, null, ["public", "unlisted", "private"]],
    "made_for_kids": ["boolean"],
    "status_url": ["string", null, 2048],
    "media_processing_max_wait_ms": ["integer", 0, 3600000],
    "rest_style": ["enum", null, null, ["pretty", "query"]],
    "force_delete": ["boolean"],
    "feed_url": ["url"],
    "title": ["string", null, 1000],
    "description": ["string", null, 10000],
    "image_url": ["url"],
    "language": ["string", null, 35],
    "category": ["string", null, 1000],
    "explicit": ["boolean"],
    "author": ["string", null, 1000],
    "link": ["url"],
    "type": ["enum", null, null, ["episodic", "serial"]],
    "feed_page_size": ["integer", 1, 1000]
  }';
begin
  if p_config is null or jsonb_typeof(p_config) <> 'object' then
    return format('publish_config must be a JSON object (got %s)', coalesce(left(p_config::text, 60), 'null'));
  end if;
  for v_key, v_value in select e.key, e.value from jsonb_each(p_config) e order by e.key loop
    v_spec := c_spec -> v_key;
    v_problem := case
      when v_key = 'limits' then private.publish_limits_problem(v_value)
      when v_key = 'learning' then private.json_fields_problem('publish_config.learning', v_value,
        '{"slots": ["integer", 1, 50], "explore": ["number", 0, 1], "first_hour": ["integer", 0, 23],
          "last_hour": ["integer", 0, 23], "enabled": ["boolean"]}')
      when v_key = 'hosting' then private.json_fields_problem('publish_config.hosting', v_value,
        '{"base_url": ["url"], "show_id": ["string", null, 200]}', array['show_id'])
      when v_key = 'analytics' then private.json_fields_problem('publish_config.analytics', v_value,
        '{"url": ["string", null, 2048], "auth": ["enum", null, null, ["wordpress", "none"]],
          "fields": ["string_map"]}', array['url'])
      when v_key = 'owner' then private.json_fields_problem('publish_config.owner', v_value,
        '{"name": ["string", null, 1000], "email": ["string", null, 320]}', array['name', 'email'])
      when v_spec is null then private.json_key_label('publish_config', v_key)
      else private.json_value_problem('publish_config.' || v_key, v_value, v_spec ->> 0, (v_spec ->> 1)::numeric,
                                      (v_spec ->> 2)::numeric, array(select jsonb_array_elements_text(v_spec -> 3)))
    end;
    if v_problem is not null then return v_problem; end if;
  end loop;
  v_size := octet_length(p_config::text);
  if v_size > 16384 then
    return format('publish_config must be at most 16384 bytes as JSON (got %s bytes)', v_size);
  end if;
  -- What the adapters of one kind accept beyond the common range.
  if p_kind = 'tiktok' and p_config ? 'upload_chunk_bytes' then
    return private.json_value_problem('publish_config.upload_chunk_bytes', p_config -> 'upload_chunk_bytes',
                                      'integer', 5242880, 67108864);
  end if;
  if p_kind = 'youtube' and p_config ? 'upload_chunk_bytes'
     and ((p_config ->> 'upload_chunk_bytes')::numeric % 262144) <> 0 then
    return format('publish_config.upload_chunk_bytes must be a multiple of 262144 on youtube (got %s)',
                  p_config -> 'upload_chunk_bytes');
  end if;
  return null;
end
$$;

comment on function private.publish_config_problem(jsonb, text) is
  'Null when a platform''s publish_config is well formed, else the first problem, naming the key and what it '
  'must be. Every key any reader uses is listed here with its type and range; other keys are refused.';

create function private.check_publish_config() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_problem text;
begin
  if tg_op = 'UPDATE' and new.publish_config is not distinct from old.publish_config
     and new.kind is not distinct from old.kind then
    return new;
  end if;
  v_problem := private.publish_config_problem(new.publish_config, new.kind);
  if v_problem is not null then
    raise exception using errcode = '22023', message = v_problem,
      hint = 'See private.publish_config_problem for every publish_config setting, its type and range.';
  end if;
  return new;
end
$$;

create trigger platforms_publish_config_typed
  before insert or update of publish_config, kind on public.platforms
  for each row execute function private.check_publish_config();

comment on trigger platforms_publish_config_typed on public.platforms is
  'Refuses a publish_config with a value of the wrong type or range, or an unknown key (SQLSTATE 22023, the key '
  'named in the message).';

-- ---------------------------------------------------------------------------------------------------------
-- Reading a setting without trusting it: the default for a value of another type or out of range. Plain SQL
-- without SET clauses, so the planner inlines them into the queue's statements.

create function private.config_boolean(p_config jsonb, p_key text, p_default boolean) returns boolean
language sql
immutable
as $$
  select case when jsonb_typeof(p_config -> p_key) = 'boolean' then (p_config ->> p_key)::boolean
              else p_default end
$$;

create function private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric)
returns numeric
language sql
immutable
as $$
  select case when jsonb_typeof(p_config -> p_key) = 'number'
              then case when (p_config ->> p_key)::numeric between p_min and p_max
                        then (p_config ->> p_key)::numeric else p_default end
              else p_default end
$$;

create function private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer)
returns integer
language sql
immutable
as $$
  select case when jsonb_typeof(p_config -> p_key) = 'number'
              then case when (p_config ->> p_key)::numeric between p_min and p_max
                             and (p_config ->> p_key)::numeric = trunc((p_config ->> p_key)::numeric)
                        then (p_config ->> p_key)::numeric::integer else p_default end
              else p_default end
$$;

comment on function private.config_boolean(jsonb, text, boolean) is
  'p_config ->> p_key as a boolean, or p_default when it is missing or not a boolean. Never raises.';
comment on function private.config_number(jsonb, text, numeric, numeric, numeric) is
  'p_config ->> p_key as a number within [p_min, p_max], or p_default. Never raises.';
comment on function private.config_integer(jsonb, text, integer, integer, integer) is
  'p_config ->> p_key as an integer within [p_min, p_max], or p_default. Never raises.';

revoke execute on function
  private.json_value_problem(text, jsonb, text, numeric, numeric, text[]), private.json_object_problem(text, jsonb),
  private.json_key_label(text, text), private.publish_limits_problem(jsonb),
  private.json_fields_problem(text, jsonb, jsonb, text[]), private.publish_config_problem(jsonb, text),
  private.check_publish_config(), private.config_boolean(jsonb, text, boolean),
  private.config_number(jsonb, text, numeric, numeric, numeric),
  private.config_integer(jsonb, text, integer, integer, integer)
from public, anon, authenticated;
-- platform_health (security_invoker) shows the problem to members: authenticated runs the check. (The checks are
-- security definer only so that they reach each other in schema private; they read nothing.)
grant execute on function private.publish_config_problem(jsonb, text) to authenticated, service_role;
grant execute on function
  private.config_boolean(jsonb, text, boolean), private.config_number(jsonb, text, numeric, numeric, numeric),
  private.config_integer(jsonb, text, integer, integer, integer)
to service_role;
