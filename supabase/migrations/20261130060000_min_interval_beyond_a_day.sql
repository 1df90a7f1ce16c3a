-- A platform's min_interval_minutes counts from its latest post however old: the claim used to look only at
-- the last 24 hours, so a platform limited to one post every two days took a due row a day after its last post
-- (choosing a slot already kept the whole interval). (Unchanged otherwise from
-- 20261129100000_publishing_write_path.sql.)
create or replace function private.publish_budget(p_platform_id uuid)
returns integer
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  p record;
  v_in_flight integer;
  v_hour integer;
  v_day integer;
  v_last_published timestamptz;
begin
  select pl.posts_per_hour, pl.posts_per_day, coalesce(pl.min_interval_minutes, 0) as min_interval
    into p from public.platforms pl where pl.id = p_platform_id;
  if not found then
    return 0;
  end if;
  if p.posts_per_hour is null and p.posts_per_day is null and p.min_interval = 0 then
    return 2147483647;
  end if;
  select count(*) into v_in_flight
  from public.distributions where platform_id = p_platform_id and status = 'publishing';
  select count(*) filter (where published_at > now() - interval '1 hour'), count(*)
    into v_hour, v_day
  from public.distributions
  where platform_id = p_platform_id and status = 'published' and published_at > now() - interval '24 hours';
  select max(published_at) into v_last_published
  from public.distributions where platform_id = p_platform_id and status = 'published';
  return greatest(0, least(
    coalesce(p.posts_per_hour - v_hour - v_in_flight, 2147483647),
    coalesce(p.posts_per_day - v_day - v_in_flight, 2147483647),
    case
      when p.min_interval = 0 then 2147483647
      when v_in_flight > 0 then 0
      when v_last_published > now() - make_interval(mins => p.min_interval) then 0
      else 1
    end
  ));
end
$$;
