-- bench/publish-path: the trigger functions as they were before the publish path's shortcuts (main at 061d15a),
-- put in place by run.sh to time against. Generated from git show 061d15a:<schema file>.
\set ON_ERROR_STOP 1

CREATE OR REPLACE FUNCTION private.rollup_ab_test_results() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_clients uuid[];
  v_groups text[];
begin
  -- The groups of the rows whose inputs to ab_test_results changed (a metrics update of an A/B post changes its
  -- group; one of any other post changes none).
  if tg_op = 'INSERT' then
    select array_agg(n.client_id), array_agg(n.variant_group) into v_clients, v_groups
    from new_rows n where n.variant_group is not null;
  elsif tg_op = 'DELETE' then
    select array_agg(o.client_id), array_agg(o.variant_group) into v_clients, v_groups
    from old_rows o where o.variant_group is not null;
  else
    with n as (
      select n.id, n.client_id, n.variant_group, n.platform_specific ->> 'variant' as variant, n.is_control, n.status,
             n.published_at, n.impressions, n.engagements, n.clicks, n.engagement_base, n.engagement_count
      from new_rows n where n.variant_group is not null
    ), o as (
      select o.id, o.client_id, o.variant_group, o.platform_specific ->> 'variant' as variant, o.is_control, o.status,
             o.published_at, o.impressions, o.engagements, o.clicks, o.engagement_base, o.engagement_count
      from old_rows o where o.variant_group is not null
    ), changed as (
      (select * from n except select * from o)
      union all
      (select * from o except select * from n)
    )
    select array_agg(c.client_id), array_agg(c.variant_group) into v_clients, v_groups from changed c;
  end if;
  if v_clients is not null then
    perform private.refresh_ab_test_results(v_clients, v_groups);
  end if;
  return null;
end
$$;

CREATE OR REPLACE FUNCTION private.rollup_distribution_contents() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_keys uuid[];
begin
  if tg_op = 'INSERT' then
    v_keys := array(select distinct n.content_id from new_rows n where n.content_id is not null);
  elsif tg_op = 'DELETE' then
    v_keys := array(select distinct o.content_id from old_rows o where o.content_id is not null);
  elsif not exists (select 1 from new_rows n where n.content_id is not null)
        and not exists (select 1 from old_rows o where o.content_id is not null) then
    return null; -- a statement of rows in no rollup (a publish batch of posts without one): nothing to pair up
  else
    -- Only the rows whose aggregated columns changed: leases, attempts and schedules leave the rollup alone.
    v_keys := array(
      select distinct k from old_rows o join new_rows n on n.id = o.id,
        lateral (values (o.content_id), (n.content_id)) x(k)
      where k is not null
        and (o.content_id, o.platform_id, o.status, o.published_at, o.impressions, o.video_views, o.engagements,
             o.clicks, o.conversions, o.conversion_value, o.engagement_rate, o.engagement_count, o.engagement_base)
            is distinct from
            (n.content_id, n.platform_id, n.status, n.published_at, n.impressions, n.video_views, n.engagements,
             n.clicks, n.conversions, n.conversion_value, n.engagement_rate, n.engagement_count, n.engagement_base));
  end if;
  perform private.recompute_content_performance(v_keys);
  return null;
end
$$;

CREATE OR REPLACE FUNCTION private.rollup_platform_name_contents() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- A renamed platform changes the names in the rollup rows of the contents posted to it.
  perform private.recompute_content_performance(array(
    select distinct d.content_id
    from old_rows o join new_rows n on n.id = o.id
    join public.distributions d on d.platform_id = n.id
    where o.name is distinct from n.name and d.content_id is not null));
  return null;
end
$$;

CREATE OR REPLACE FUNCTION private.rollup_distribution_groups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_keys uuid[];
begin
  if tg_op = 'INSERT' then
    v_keys := array(select distinct n.cross_post_group_id from new_rows n where n.cross_post_group_id is not null);
  elsif tg_op = 'DELETE' then
    v_keys := array(select distinct o.cross_post_group_id from old_rows o where o.cross_post_group_id is not null);
  elsif not exists (select 1 from new_rows n where n.cross_post_group_id is not null)
        and not exists (select 1 from old_rows o where o.cross_post_group_id is not null) then
    return null; -- a statement of rows in no rollup (a publish batch of posts without one): nothing to pair up
  else
    -- Only the rows whose aggregated columns changed: leases, attempts and schedules leave the rollup alone.
    v_keys := array(
      select distinct k from old_rows o join new_rows n on n.id = o.id,
        lateral (values (o.cross_post_group_id), (n.cross_post_group_id)) x(k)
      where k is not null
        and (o.cross_post_group_id, o.platform_id, o.status, o.published_at, o.impressions, o.engagements,
             o.clicks, o.conversions, o.engagement_count, o.engagement_base)
            is distinct from
            (n.cross_post_group_id, n.platform_id, n.status, n.published_at, n.impressions, n.engagements,
             n.clicks, n.conversions, n.engagement_count, n.engagement_base));
  end if;
  perform private.recompute_cross_post_groups(v_keys);
  return null;
end
$$;

CREATE OR REPLACE FUNCTION private.rollup_platform_name_groups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- A renamed platform changes the names in the rollup rows of the groups posted to it.
  perform private.recompute_cross_post_groups(array(
    select distinct d.cross_post_group_id
    from old_rows o join new_rows n on n.id = o.id
    join public.distributions d on d.platform_id = n.id
    where o.name is distinct from n.name and d.cross_post_group_id is not null));
  return null;
end
$$;
