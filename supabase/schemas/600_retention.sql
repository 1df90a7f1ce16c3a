-- Retention: nothing grows without bound. The hourly prune-history job deletes history older than each
-- target's retention (public.retention_settings) in bounded batches.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE private.retention_state (
    target text NOT NULL,
    done_through timestamp with time zone NOT NULL
);

ALTER TABLE ONLY private.retention_state
    ADD CONSTRAINT retention_state_pkey PRIMARY KEY (target);

ALTER TABLE private.retention_state ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON TABLE private.retention_state TO service_role;

CREATE TABLE public.retention_settings (
    target text NOT NULL,
    keep_for interval,
    batch_size integer DEFAULT 5000 NOT NULL,
    max_batches integer DEFAULT 20 NOT NULL,
    notes text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT retention_settings_batch_size_check CHECK (((batch_size >= 1) AND (batch_size <= 50000))),
    CONSTRAINT retention_settings_keep_for_check CHECK (((keep_for IS NULL) OR ((keep_for >= '1 day'::interval) AND (EXTRACT(month FROM keep_for) = (0)::numeric)))),
    CONSTRAINT retention_settings_max_batches_check CHECK (((max_batches >= 1) AND (max_batches <= 1000))),
    CONSTRAINT retention_settings_target_check CHECK ((target = ANY (ARRAY['distribution_attempts'::text, 'distribution_metrics'::text, 'distribution_metrics_daily'::text, 'webhook_deliveries'::text, 'platform_webhook_events'::text, 'distribution_requests'::text, 'platform_cancellations'::text, 'metrics_sync_stats'::text, 'cron_job_run_details'::text, 'net_http_response'::text, 'idempotency_keys'::text])))
);

COMMENT ON TABLE public.retention_settings IS 'How long history is kept, per target (see 20261206070000_retention.sql): rows older than keep_for are deleted by the hourly prune-history job, at most batch_size rows per statement and max_batches statements per run. Written by the service role only.';

COMMENT ON COLUMN public.retention_settings.keep_for IS 'Age after which rows are deleted (null: kept forever; at least 1 day; days, not months). distribution_metrics: every snapshot is kept this long; distribution_metrics_daily: then one per day until this age, then one per week.';

COMMENT ON COLUMN public.retention_settings.batch_size IS 'Rows deleted per statement.';

COMMENT ON COLUMN public.retention_settings.max_batches IS 'Statements per target and run; the rest waits for the next run.';

ALTER TABLE ONLY public.retention_settings
    ADD CONSTRAINT retention_settings_pkey PRIMARY KEY (target);

ALTER TABLE public.retention_settings ENABLE ROW LEVEL SECURITY;

CREATE POLICY retention_settings_select ON public.retention_settings FOR SELECT TO authenticated USING (true);

GRANT SELECT ON TABLE public.retention_settings TO authenticated;
GRANT ALL ON TABLE public.retention_settings TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.retention_settings FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE FUNCTION private.downsample_metrics(p_keep_all interval, p_keep_daily interval, p_limit integer, p_max_batches integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_day_origin constant timestamptz := timestamptz '2000-01-03 00:00:00+00';  -- a Monday, UTC
  v_days_to timestamptz := date_bin(interval '1 day', now() - p_keep_all, v_day_origin);
  v_weeks_to timestamptz;
  v_from timestamptz;
  v_zone text;
  v_bucket interval;
  v_to timestamptz;
  v_chunk_end timestamptz;
  v_next timestamptz;
  v_done boolean;
  v_n integer;
  v_total integer := 0;
  v_batches integer := 0;
begin
  if p_keep_daily is not null then
    v_weeks_to := least(date_bin(interval '7 days', now() - greatest(p_keep_daily, p_keep_all), v_day_origin),
                        v_days_to);
  end if;
  foreach v_zone in array array['weekly', 'daily'] loop
    continue when v_zone = 'weekly' and v_weeks_to is null;
    v_bucket := case v_zone when 'weekly' then interval '7 days' else interval '1 day' end;
    v_to := case v_zone when 'weekly' then v_weeks_to else v_days_to end;
    select s.done_through into v_from from private.retention_state s where s.target = 'distribution_metrics_' || v_zone;
    v_from := coalesce(v_from, '-infinity');
    -- The weekly zone has already reduced everything below its boundary further.
    if v_zone = 'daily' and v_weeks_to is not null then
      v_from := greatest(v_from, v_weeks_to);
    end if;
    v_done := false;
    loop
      exit when v_batches >= p_max_batches;
      -- The next week (Monday to Monday, UTC) below the boundary that has snapshots: one statement never sorts
      -- more than a week of snapshots, and no day or week is split between two statements.
      select min(m.recorded_at) into v_next from public.distribution_metrics m
      where m.recorded_at >= v_from and m.recorded_at < v_to;
      if v_next is null then
        v_done := true;
        exit;
      end if;
      v_from := greatest(v_from, date_bin(interval '7 days', v_next, v_day_origin));
      v_chunk_end := least(v_to, date_bin(interval '7 days', v_from, v_day_origin) + interval '7 days');
      v_batches := v_batches + 1;
      delete from public.distribution_metrics m where m.id = any (array(
        select x.id from (
          select m2.id,
                 row_number() over (partition by m2.distribution_id, date_bin(v_bucket, m2.recorded_at, v_day_origin)
                                    order by m2.recorded_at desc, m2.id desc) as rn
          from public.distribution_metrics m2
          where m2.recorded_at >= v_from and m2.recorded_at < v_chunk_end
        ) x
        where x.rn > 1
        limit p_limit));
      get diagnostics v_n = row_count;
      v_total := v_total + v_n;
      if v_n < p_limit then
        v_from := v_chunk_end;  -- this week is done
      end if;
    end loop;
    insert into private.retention_state as r (target, done_through)
    values ('distribution_metrics_' || v_zone, case when v_done then v_to else v_from end)
    on conflict (target) do update set done_through = greatest(excluded.done_through, r.done_through);
  end loop;
  return v_total;
end
$$;

COMMENT ON FUNCTION private.downsample_metrics(p_keep_all interval, p_keep_daily interval, p_limit integer, p_max_batches integer) IS 'Reduces snapshots older than p_keep_all to the last per UTC day per distribution, and those older than p_keep_daily to the last per week; returns the snapshots deleted.';

REVOKE ALL ON FUNCTION private.downsample_metrics(p_keep_all interval, p_keep_daily interval, p_limit integer, p_max_batches integer) FROM PUBLIC;

CREATE FUNCTION private.prune_batch(p_target text, p_keep_for interval, p_limit integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_cutoff timestamptz := now() - p_keep_for;
  v_n integer;
begin
  case p_target
    when 'distribution_attempts' then
      delete from public.distribution_attempts a where a.id = any (array(
        select a2.id from public.distribution_attempts a2
        join public.distributions d on d.id = a2.distribution_id
        where a2.finished_at < v_cutoff and d.status in ('published', 'cancelled')
        order by a2.finished_at
        limit p_limit
        for update of a2 skip locked));
    when 'webhook_deliveries' then
      delete from public.webhook_deliveries w where w.id = any (array(
        select w2.id from public.webhook_deliveries w2
        where w2.status in ('delivered', 'failed') and w2.updated_at < v_cutoff
        order by w2.updated_at
        limit p_limit
        for update skip locked));
    when 'platform_webhook_events' then
      delete from public.platform_webhook_events e where e.id = any (array(
        select e2.id from public.platform_webhook_events e2
        where e2.received_at < v_cutoff
        order by e2.received_at
        limit p_limit
        for update skip locked));
    when 'distribution_requests' then
      delete from public.distribution_requests r where r.id = any (array(
        select r2.id from public.distribution_requests r2
        where r2.status in ('done', 'failed') and r2.updated_at < v_cutoff
        order by r2.updated_at
        limit p_limit
        for update skip locked));
    when 'platform_cancellations' then
      delete from public.platform_cancellations c where c.id = any (array(
        select c2.id from public.platform_cancellations c2
        where c2.status in ('done', 'failed') and c2.updated_at < v_cutoff
        order by c2.updated_at
        limit p_limit
        for update skip locked));
    when 'metrics_sync_stats' then
      delete from public.metrics_sync_stats s where s.ctid = any (array(
        select s2.ctid from public.metrics_sync_stats s2
        where s2.hour + interval '1 hour' <= v_cutoff
        order by s2.hour
        limit p_limit
        for update skip locked));
    when 'idempotency_keys' then
      delete from public.idempotency_keys k where (k.user_id, k.endpoint, k.key) in (
        select k2.user_id, k2.endpoint, k2.key from public.idempotency_keys k2
        where k2.created_at < v_cutoff
        order by k2.created_at
        limit p_limit
        for update skip locked);
    when 'cron_job_run_details' then
      if to_regclass('cron.job_run_details') is null then
        return 0;
      end if;
      execute 'delete from cron.job_run_details where runid = any (array(
                 select runid from cron.job_run_details where start_time < $1 order by runid limit $2))'
        using v_cutoff, p_limit;
    when 'net_http_response' then
      if to_regclass('net._http_response') is null then
        return 0;
      end if;
      execute 'delete from net._http_response where ctid = any (array(
                 select ctid from net._http_response where created < $1 limit $2))'
        using v_cutoff, p_limit;
    else
      raise exception 'prune_batch: unknown target %', p_target using errcode = '22023';
  end case;
  get diagnostics v_n = row_count;
  return v_n;
end
$_$;

COMMENT ON FUNCTION private.prune_batch(p_target text, p_keep_for interval, p_limit integer) IS 'Deletes at most p_limit rows of p_target older than p_keep_for (see public.retention_settings); returns the count.';

REVOKE ALL ON FUNCTION private.prune_batch(p_target text, p_keep_for interval, p_limit integer) FROM PUBLIC;

CREATE FUNCTION private.prune_history() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET lock_timeout TO '5s'
    AS $$
declare
  s record;
  v_daily interval;
  v_n integer;
  v_total integer;
  v_batch integer;
  v_error text;
  v_result jsonb := '{}'::jsonb;
begin
  for s in select r.* from public.retention_settings r
           where r.keep_for is not null and r.target <> 'distribution_metrics_daily'
           order by r.target loop
    begin
      if s.target = 'distribution_metrics' then
        select r.keep_for into v_daily from public.retention_settings r where r.target = 'distribution_metrics_daily';
        v_total := private.downsample_metrics(s.keep_for, v_daily, s.batch_size, s.max_batches);
      else
        v_total := 0;
        for v_batch in 1 .. s.max_batches loop
          v_n := private.prune_batch(s.target, s.keep_for, s.batch_size);
          v_total := v_total + v_n;
          exit when v_n < s.batch_size;
        end loop;
      end if;
      v_result := v_result || jsonb_build_object(s.target, v_total);
    exception when others then
      get stacked diagnostics v_error = message_text;
      raise warning 'prune_history: % not pruned: %', s.target, v_error;
      v_result := v_result || jsonb_build_object(s.target, jsonb_build_object('error', v_error));
    end;
  end loop;
  return v_result;
end
$$;

COMMENT ON FUNCTION private.prune_history() IS 'Deletes history past its retention (public.retention_settings) in bounded batches; run hourly by pg_cron (prune-history). Returns the rows deleted per target.';

REVOKE ALL ON FUNCTION private.prune_history() FROM PUBLIC;
GRANT ALL ON FUNCTION private.prune_history() TO service_role;

-- Each target's retention.
insert into public.retention_settings (target, keep_for, notes) values
  ('distribution_attempts', interval '180 days', 'Attempts of published or cancelled distributions only.'),
  ('distribution_metrics', interval '30 days', 'Every snapshot; then downsampled.'),
  ('distribution_metrics_daily', interval '365 days', 'One snapshot per day per distribution; then one per week.'),
  ('webhook_deliveries', interval '30 days', 'Delivered or failed deliveries.'),
  ('platform_webhook_events', interval '30 days', 'Inbound platform callbacks.'),
  ('distribution_requests', interval '30 days', 'Done or failed content-generation requests.'),
  ('platform_cancellations', interval '30 days', 'Done or failed cancellations.'),
  ('idempotency_keys', interval '1 day', 'Idempotency-Key answers; a key is honoured for 24 hours.'),
  ('metrics_sync_stats', interval '90 days', 'Hourly metric read counts.'),
  ('cron_job_run_details', interval '7 days', 'pg_cron run log (about 5,800 runs a day).'),
  ('net_http_response', interval '1 day', 'pg_net responses (hosted pg_net also expires them by its ttl).');
