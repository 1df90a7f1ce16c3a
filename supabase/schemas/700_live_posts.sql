-- Live posts: taking a published post down from its platform (POST /schedule/distributions/:id/unpublish),
-- editing it there (PATCH /schedule/distributions/:id on a published row), and keeping a published row's
-- content the same as the live post's.
--
-- A take-down is a platform_cancellations row (reason unpublished): claimed under a lease by the
-- publisher, sent through the adapter's delete, and recorded once (record_platform_cancellations). A
-- delete whose answer was lost is asked again and the platform answers "already gone", so the outcome is
-- reconciled without a second take-down; the distribution's unpublish_state follows, with its webhook event.

CREATE FUNCTION scheduling.unpublish_refusal(p_platform public.platforms) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case
    when p_platform.kind = 'instagram' then
      'the Instagram Graph API cannot delete a published post: remove it in the Instagram app'
    when p_platform.kind = 'tiktok' then
      'the TikTok Content Posting API cannot delete a post: remove it in the TikTok app'
    when p_platform.kind = 'email' then
      'a sent email campaign cannot be recalled from its recipients'
    when not p_platform.supports_deletion then
      'platform ' || p_platform.name || ' has supports_deletion off'
  end
$$;

COMMENT ON FUNCTION scheduling.unpublish_refusal(p_platform public.platforms) IS 'Why a post on this platform cannot be taken down through its API, or null when it can.';

REVOKE ALL ON FUNCTION scheduling.unpublish_refusal(p_platform public.platforms) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.unpublish_refusal(p_platform public.platforms) TO authenticated;
GRANT ALL ON FUNCTION scheduling.unpublish_refusal(p_platform public.platforms) TO service_role;

CREATE FUNCTION scheduling.queue_unpublish(p_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
begin
  select * into strict v_row from public.distributions d where d.id = p_id;
  -- Callable by any signed-in user, so it checks what RLS would: owners and editors of the row's client,
  -- and only for a live post.
  if v_row.client_id not in (select private.member_client_ids(array['owner', 'editor'])) then
    raise exception 'permission denied: only owners and editors can change distribution %', p_id
      using errcode = '42501';
  end if;
  if v_row.status <> 'published' or v_row.external_id is null then
    raise exception 'cannot unpublish distribution %: it is not a published post', p_id
      using errcode = '55000';
  end if;
  insert into public.platform_cancellations (client_id, platform_id, distribution_id, external_id, reason)
  values (v_row.client_id, v_row.platform_id, v_row.id, v_row.external_id, 'unpublished');
  update public.distributions set unpublish_state = 'requested', unpublished_at = null where id = p_id;
end
$$;

REVOKE ALL ON FUNCTION scheduling.queue_unpublish(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.queue_unpublish(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.queue_unpublish(p_id uuid) TO service_role;

CREATE FUNCTION public.unpublish_distribution(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_platform public.platforms;
  v_refusal text;
begin
  -- As the caller: another client's row is not found, a viewer may not change it.
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status <> 'published' or v_row.external_id is null then
    raise exception 'cannot unpublish distribution %: it is %, and only a published post can be taken down',
      p_id, v_row.status using errcode = '55000';
  end if;
  -- Asked again while queued or after it is done: the one take-down stands, nothing is sent twice. A post
  -- found deleted on the platform (removed_on_platform) is already down: nothing to send.
  if v_row.unpublish_state is distinct from 'requested' and v_row.unpublish_state is distinct from 'unpublished'
     and v_row.unpublish_state is distinct from 'removed_on_platform' then
    select * into strict v_platform from public.platforms p where p.id = v_row.platform_id;
    v_refusal := scheduling.unpublish_refusal(v_platform);
    if v_refusal is not null then
      raise exception 'cannot unpublish distribution %: %', p_id, v_refusal using errcode = '55000';
    end if;
    perform scheduling.queue_unpublish(p_id);
    perform scheduling.wake_publisher(v_row.client_id);
  end if;
  select * into v_row from public.distributions d where d.id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id)
    || jsonb_build_object('external_id', v_row.external_id, 'external_url', v_row.external_url,
                          'unpublish_state', v_row.unpublish_state,
                          'unpublished_at', v_row.unpublished_at));
end
$$;

COMMENT ON FUNCTION public.unpublish_distribution(p_id uuid) IS 'Takes a published post down from its platform (deleted, trashed or unlisted as the platform allows): queued for the publisher, which it wakes; unpublish_state says where it stands. Refused (55000, naming why) where the platform''s API cannot (Instagram, TikTok, a sent email) or supports_deletion is off.';

REVOKE ALL ON FUNCTION public.unpublish_distribution(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.unpublish_distribution(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.unpublish_distribution(p_id uuid) TO service_role;

CREATE FUNCTION private.refuse_published_content_edit() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  -- The content the platform confirmed (record_platform_cancellations, reason edited).
  if current_setting('distribution.applying_live_edit', true) = 'on' then
    return new;
  end if;
  raise exception 'distribution % is published: its title, body, media and link are what the platform shows, so they are not changed here (PATCH /schedule/distributions/:id edits the live post where the platform allows it; else unpublish it and schedule the new content)', old.id
    using errcode = '55000';
end
$$;

REVOKE ALL ON FUNCTION private.refuse_published_content_edit() FROM PUBLIC;

CREATE TRIGGER distributions_published_content_fixed BEFORE UPDATE OF title, body, media_urls, link_url ON public.distributions FOR EACH ROW WHEN (((old.status = 'published') AND (new.status = 'published') AND ((old.title IS DISTINCT FROM new.title) OR (old.body IS DISTINCT FROM new.body) OR (old.media_urls IS DISTINCT FROM new.media_urls) OR (old.link_url IS DISTINCT FROM new.link_url)))) EXECUTE FUNCTION private.refuse_published_content_edit();

CREATE FUNCTION scheduling.live_edit_refusal(p_platform public.platforms) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case
    when p_platform.kind = 'x' then 'X does not let most API tiers edit a post'
    when p_platform.kind = 'instagram' then
      'the Instagram Graph API cannot edit a published post: edit it in the Instagram app'
    when p_platform.kind = 'tiktok' then 'the TikTok Content Posting API cannot edit a post'
    when p_platform.kind = 'email' then 'a sent email campaign cannot be changed'
    when not p_platform.supports_editing then
      'platform ' || p_platform.name || ' has supports_editing off'
  end
$$;

COMMENT ON FUNCTION scheduling.live_edit_refusal(p_platform public.platforms) IS 'Why a published post on this platform cannot be edited through its API, or null when it can (WordPress, YouTube metadata, LinkedIn commentary, podcast episodes).';

REVOKE ALL ON FUNCTION scheduling.live_edit_refusal(p_platform public.platforms) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.live_edit_refusal(p_platform public.platforms) TO authenticated;
GRANT ALL ON FUNCTION scheduling.live_edit_refusal(p_platform public.platforms) TO service_role;

CREATE FUNCTION scheduling.queue_live_edit(p_id uuid, p_content jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_pending uuid;
begin
  select * into strict v_row from public.distributions d where d.id = p_id;
  -- Callable by any signed-in user, so it checks what RLS would: owners and editors of the row's client,
  -- and only for a live post.
  if v_row.client_id not in (select private.member_client_ids(array['owner', 'editor'])) then
    raise exception 'permission denied: only owners and editors can change distribution %', p_id
      using errcode = '42501';
  end if;
  if v_row.status <> 'published' or v_row.external_id is null
     or v_row.unpublish_state is not distinct from 'requested'
     or v_row.unpublish_state is not distinct from 'unpublished'
     or v_row.unpublish_state is not distinct from 'removed_on_platform' then
    raise exception 'cannot edit distribution %: it is not a live post', p_id using errcode = '55000';
  end if;
  if exists (select 1 from public.platform_cancellations c
             where c.distribution_id = p_id and c.reason = 'edited' and c.status = 'working') then
    raise exception 'cannot edit distribution %: an earlier edit is being sent to the platform now; send this one once it is done',
      p_id using errcode = '55000';
  end if;
  -- An edit not sent yet is replaced (the platform gets the latest content once).
  update public.platform_cancellations c set content = p_content, next_attempt_at = now(), attempts = 0,
         last_error = null
   where c.distribution_id = p_id and c.reason = 'edited' and c.status = 'pending'
  returning c.id into v_pending;
  if v_pending is null then
    insert into public.platform_cancellations (client_id, platform_id, distribution_id, external_id, reason, content)
    values (v_row.client_id, v_row.platform_id, v_row.id, v_row.external_id, 'edited', p_content);
  end if;
  update public.distributions set edit_state = 'requested' where id = p_id;
end
$$;

REVOKE ALL ON FUNCTION scheduling.queue_live_edit(p_id uuid, p_content jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.queue_live_edit(p_id uuid, p_content jsonb) TO authenticated;
GRANT ALL ON FUNCTION scheduling.queue_live_edit(p_id uuid, p_content jsonb) TO service_role;

CREATE FUNCTION public.edit_live_distribution(p_id uuid, p_content jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_platform public.platforms;
  v_refusal text;
begin
  -- As the caller: another client's row is not found, a viewer may not change it.
  v_row := scheduling.lock_distribution(p_id);
  select * into strict v_platform from public.platforms p where p.id = v_row.platform_id;
  v_refusal := scheduling.live_edit_refusal(v_platform);
  if v_refusal is not null then
    raise exception 'cannot edit distribution %: %', p_id, v_refusal using errcode = '55000';
  end if;
  perform scheduling.queue_live_edit(p_id, p_content);
  perform scheduling.wake_publisher(v_row.client_id);
  return jsonb_build_object('ok', true);
end
$$;

COMMENT ON FUNCTION public.edit_live_distribution(p_id uuid, p_content jsonb) IS 'Edits a published post on its platform: p_content {title, body, media_urls, link_url, platform_specific} (already adapted and validated: PATCH /schedule/distributions/:id does that) is queued for the publisher, which it wakes, and becomes the row''s content once the platform has it (edit_state). Refused (55000, naming why) on X, Instagram, TikTok, a sent email, or with supports_editing off.';

REVOKE ALL ON FUNCTION public.edit_live_distribution(p_id uuid, p_content jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.edit_live_distribution(p_id uuid, p_content jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.edit_live_distribution(p_id uuid, p_content jsonb) TO service_role;
