-- Validation of a platform's publish_config: every field known, of its type and in its range.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.check_publish_config() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_problem text;
begin
  if tg_op = 'UPDATE' and new.publish_config is not distinct from old.publish_config
     and new.kind is not distinct from old.kind then
    return new;
  end if;
  v_problem := private.publish_config_problem(new.publish_config, new.kind::text);
  if v_problem is not null then
    raise exception using errcode = '22023', message = v_problem,
      hint = 'See private.publish_config_problem for every publish_config setting, its type and range.';
  end if;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.check_publish_config() FROM PUBLIC;

CREATE FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
  select case when jsonb_typeof(p_config -> p_key) = 'boolean' then (p_config ->> p_key)::boolean
              else p_default end
$$;

COMMENT ON FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) IS 'p_config ->> p_key as a boolean, or p_default when it is missing or not a boolean. Never raises.';

REVOKE ALL ON FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION private.config_boolean(p_config jsonb, p_key text, p_default boolean) TO service_role;

CREATE FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$
  select case when jsonb_typeof(p_config -> p_key) = 'number'
              then case when (p_config ->> p_key)::numeric between p_min and p_max
                             and (p_config ->> p_key)::numeric = trunc((p_config ->> p_key)::numeric)
                        then (p_config ->> p_key)::numeric::integer else p_default end
              else p_default end
$$;

COMMENT ON FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) IS 'p_config ->> p_key as an integer within [p_min, p_max], or p_default. Never raises.';

REVOKE ALL ON FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.config_integer(p_config jsonb, p_key text, p_default integer, p_min integer, p_max integer) TO service_role;

CREATE FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$
  select case when jsonb_typeof(p_config -> p_key) = 'number'
              then case when (p_config ->> p_key)::numeric between p_min and p_max
                        then (p_config ->> p_key)::numeric else p_default end
              else p_default end
$$;

COMMENT ON FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) IS 'p_config ->> p_key as a number within [p_min, p_max], or p_default. Never raises.';

REVOKE ALL ON FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION private.config_number(p_config jsonb, p_key text, p_default numeric, p_min numeric, p_max numeric) TO service_role;

CREATE FUNCTION private.json_fields_problem(p_path text, p_value jsonb, p_spec jsonb, p_required text[] DEFAULT '{}'::text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

REVOKE ALL ON FUNCTION private.json_fields_problem(p_path text, p_value jsonb, p_spec jsonb, p_required text[]) FROM PUBLIC;

CREATE FUNCTION private.json_key_label(p_path text, p_key text) RETURNS text
    LANGUAGE sql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select format('%s has an unknown key %s', p_path, to_jsonb(left(p_key, 64))::text)
$$;

REVOKE ALL ON FUNCTION private.json_key_label(p_path text, p_key text) FROM PUBLIC;

CREATE FUNCTION private.json_object_problem(p_path text, p_value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select case when jsonb_typeof(p_value) = 'object' then null
              else format('%s must be a JSON object (got %s)', p_path, left(p_value::text, 60)) end
$$;

REVOKE ALL ON FUNCTION private.json_object_problem(p_path text, p_value jsonb) FROM PUBLIC;

CREATE FUNCTION private.json_value_problem(p_path text, p_value jsonb, p_type text, p_min numeric DEFAULT NULL::numeric, p_max numeric DEFAULT NULL::numeric, p_values text[] DEFAULT NULL::text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;

COMMENT ON FUNCTION private.json_value_problem(p_path text, p_value jsonb, p_type text, p_min numeric, p_max numeric, p_values text[]) IS 'Null when p_value is a p_type (boolean; integer or number within [p_min, p_max]; string of at most p_max characters; http(s) url; enum of p_values), else a message naming p_path, the expected type and the value.';

REVOKE ALL ON FUNCTION private.json_value_problem(p_path text, p_value jsonb, p_type text, p_min numeric, p_max numeric, p_values text[]) FROM PUBLIC;

CREATE FUNCTION private.publish_config_problem(p_config jsonb, p_kind text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_key text;
  v_value jsonb;
  v_spec jsonb;
  v_problem text;
  v_size integer;
  -- Top-level settings: every key a reader uses (SQL: the queue; TypeScript: the run, the adapters, the
  -- podcast feed, the learning job). [type, min, max, values]; ranges bound what a reader turns into an
  -- interval, a timer or a loop. A reader of a new setting adds it here; until then writing it is refused.
  -- Typed as jsonb in the text so that the cached plan holds it parsed: an untyped literal is parsed on every call.
  c_spec constant jsonb := '{
    "base_url": ["string", null, 2048],
    "token_url": ["url"],
    "authorize_url": ["url"],
    "timeout_ms": ["integer", 1, 600000],
    "max_attempts": ["integer", 1, 100],
    "first_retry_seconds": ["number", 0, 86400],
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
  }'::jsonb;
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

COMMENT ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) IS 'Null when a platform''s publish_config is well formed, else the first problem, naming the key and what it must be. Every key any reader uses is listed here with its type and range; other keys are refused.';

REVOKE ALL ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) TO authenticated;
GRANT ALL ON FUNCTION private.publish_config_problem(p_config jsonb, p_kind text) TO service_role;

CREATE FUNCTION private.publish_limits_problem(p_limits jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

REVOKE ALL ON FUNCTION private.publish_limits_problem(p_limits jsonb) FROM PUBLIC;

-- The queue depth reads only platform_id and status (an index-only scan of idx_distributions_platform_open) and the due rows
-- through idx_distributions_due, so a platform costs two index probes whatever its history holds. The metric reads of
-- the last 24 hours are summed in one pass over them (each platform's hourly rows lie on different pages).
CREATE VIEW public.platform_health WITH (security_invoker=true) AS
 SELECT p.id AS platform_id,
    p.client_id,
    p.name AS platform,
    p.kind,
    p.is_active,
    p.last_published_at,
    p.last_metrics_sync_at,
    p.api_errors_24h,
    COALESCE(ms.failed, 0) AS metrics_errors_24h,
    COALESCE(ms.synced, 0) AS metrics_reads_24h,
    p.metrics_last_error,
    p.paused_until,
    p.pause_reason,
    p.metrics_paused_until,
    p.needs_reconnection,
    p.reconnection_reason,
    COALESCE(q.draft, 0) AS queue_draft,
    COALESCE(q.scheduled, 0) AS queue_scheduled,
    COALESCE(qd.due_now, 0) AS queue_due_now,
    COALESCE(q.publishing, 0) AS queue_publishing,
    COALESCE(q.failed, 0) AS queue_failed,
    COALESCE(q.unconfirmed, 0) AS queue_unconfirmed,
    COALESCE(m.due, 0) AS metrics_due_now,
    hold.until AS limits_allow_at,
    hold.limit_name AS limited_by,
    private.publish_config_problem(p.publish_config, (p.kind)::text) AS config_problem
   FROM platforms p
     LEFT JOIN ( SELECT s.platform_id,
            sum(s.synced)::integer AS synced,
            sum(s.failed)::integer AS failed
           FROM metrics_sync_stats s
          WHERE s.hour > (now() - '24:00:00'::interval)
          GROUP BY s.platform_id) ms ON ms.platform_id = p.id
     LEFT JOIN LATERAL ( SELECT count(*) FILTER (WHERE d.status = 'draft')::integer AS draft,
            count(*) FILTER (WHERE d.status = 'scheduled')::integer AS scheduled,
            count(*) FILTER (WHERE d.status = 'publishing')::integer AS publishing,
            count(*) FILTER (WHERE d.status = 'failed')::integer AS failed,
            count(*) FILTER (WHERE d.status = 'unconfirmed')::integer AS unconfirmed
           FROM distributions d
          WHERE d.platform_id = p.id AND (d.status IN ('draft', 'scheduled', 'publishing', 'failed', 'unconfirmed'))) q ON true
     LEFT JOIN LATERAL ( SELECT count(*)::integer AS due_now
           FROM distributions d
          WHERE d.platform_id = p.id AND d.status = 'scheduled' AND COALESCE(d.next_attempt_at, d.scheduled_for) <= now()) qd ON true
     LEFT JOIN LATERAL ( SELECT count(*)::integer AS due
           FROM distributions d
          WHERE d.platform_id = p.id AND d.metrics_next_sync_at <= now()) m ON true
     LEFT JOIN LATERAL ( SELECT max(r.published_at) + make_interval(mins => p.min_interval_minutes) AS interval_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published') li ON true
     LEFT JOIN LATERAL ( SELECT (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_hour IS NOT NULL AND r.published_at > (now() - '01:00:00'::interval)))[p.posts_per_hour] + '01:00:00'::interval AS hour_until,
            (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_day IS NOT NULL))[p.posts_per_day] + '24:00:00'::interval AS day_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published' AND r.published_at > (now() - '24:00:00'::interval)) l ON true
     LEFT JOIN LATERAL ( SELECT h.until,
            h.limit_name
           FROM ( VALUES (l.day_until,format('posts_per_day (%s)'::text, p.posts_per_day),1), (l.hour_until,format('posts_per_hour (%s)'::text, p.posts_per_hour),2), (li.interval_until,format('min_interval_minutes (%s)'::text, p.min_interval_minutes),3)) h(until, limit_name, rank)
          WHERE h.until > now()
          ORDER BY h.until DESC, h.rank
         LIMIT 1) hold ON true;

COMMENT ON VIEW public.platform_health IS 'Per platform: last publish and metrics sync, publish API errors and metric read failures in the last 24 h, pauses, reconnection flag, queue depth by status (due_now: scheduled and due), when the platform''s own limits next allow a post (limits_allow_at, null = now) with the limit that holds it (limited_by), and what is wrong with its publish_config (config_problem, null = nothing).';

COMMENT ON COLUMN public.platform_health.config_problem IS 'The first problem of the stored publish_config (the key and what it must be), or null.';

GRANT SELECT ON TABLE public.platform_health TO authenticated;
GRANT SELECT ON TABLE public.platform_health TO service_role;

CREATE TRIGGER platforms_publish_config_typed BEFORE INSERT OR UPDATE OF publish_config, kind ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.check_publish_config();

COMMENT ON TRIGGER platforms_publish_config_typed ON public.platforms IS 'Refuses a publish_config with a value of the wrong type or range, or an unknown key (SQLSTATE 22023, the key named in the message).';
