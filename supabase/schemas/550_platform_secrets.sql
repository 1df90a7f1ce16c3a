-- Platform credentials in Vault: which secret belongs to which platform, and who may route credentials.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE private.platform_secrets (
    secret_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    bound_at timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON TABLE private.platform_secrets IS 'Which platform each Vault secret holding platform credentials belongs to (one platform per secret, for good). Written by the platforms_secret_binding trigger; credentials are read only through it.';

ALTER TABLE ONLY private.platform_secrets
    ADD CONSTRAINT platform_secrets_pkey PRIMARY KEY (secret_id);

CREATE INDEX idx_platform_secrets_platform ON private.platform_secrets USING btree (platform_id);

ALTER TABLE private.platform_secrets ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON TABLE private.platform_secrets TO service_role;

CREATE FUNCTION private.platforms_credential_routing_owners_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_old jsonb := '{}'::jsonb;
  v_new jsonb;
  v_what text;
begin
  if exists (select 1 from pg_catalog.pg_roles r
             where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    return new;
  end if;

  if new.credentials_secret_id is not null
     and (tg_op = 'INSERT' or new.credentials_secret_id is distinct from old.credentials_secret_id) then
    raise exception 'permission denied: platforms.credentials_secret_id cannot be set by a signed-in user'
      using errcode = '42501',
            hint = 'An owner stores a platform''s credentials with public.reconnect_platform '
                   '(POST /platforms/:id/reconnect); they get a Vault secret of their own.';
  end if;

  -- The publish_config keys that decide where the credentials are sent, by the name the refusal uses.
  v_new := jsonb_strip_nulls(jsonb_build_object(
    'base_url', new.publish_config -> 'base_url',
    'token_url', new.publish_config -> 'token_url',
    'hosting.base_url', new.publish_config #> '{hosting,base_url}',
    'analytics.url', new.publish_config #> '{analytics,url}',
    'analytics.auth', new.publish_config #> '{analytics,auth}'));
  if tg_op = 'UPDATE' then
    v_old := jsonb_strip_nulls(jsonb_build_object(
      'base_url', old.publish_config -> 'base_url',
      'token_url', old.publish_config -> 'token_url',
      'hosting.base_url', old.publish_config #> '{hosting,base_url}',
      'analytics.url', old.publish_config #> '{analytics,url}',
      'analytics.auth', old.publish_config #> '{analytics,auth}'));
    v_what := case
      when new.kind is distinct from old.kind then 'platforms.kind'
      when new.client_id is distinct from old.client_id then 'platforms.client_id'
      when new.credentials_secret_id is distinct from old.credentials_secret_id then 'platforms.credentials_secret_id'
    end;
  end if;
  if v_what is null and v_new is distinct from v_old then
    select 'platforms.publish_config.' || k into v_what
    from (select jsonb_object_keys(v_old || v_new) as k) keys
    where v_old -> k is distinct from v_new -> k
    order by k
    limit 1;
  end if;
  if v_what is null then
    return new;
  end if;

  if not exists (select 1 from public.client_members m
                 where m.client_id = new.client_id and m.user_id = (select auth.uid()) and m.role = 'owner')
     or (tg_op = 'UPDATE'
         and not exists (select 1 from public.client_members m
                         where m.client_id = old.client_id and m.user_id = (select auth.uid()) and m.role = 'owner'))
  then
    raise exception 'permission denied: only an owner of the client can % %',
                    case tg_op when 'INSERT' then 'set' else 'change' end, v_what
      using errcode = '42501',
            hint = 'It decides where the platform''s credentials are sent. Editors change names, the time zone, '
                   'limits, the active flag and the other publish_config options.';
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.platforms_credential_routing_owners_only() IS 'BEFORE INSERT/UPDATE trigger on platforms: only owners of the client set or change kind, client_id and the publish_config keys that decide where credentials are sent (base_url, token_url, hosting.base_url, analytics.url, analytics.auth); no signed-in user sets credentials_secret_id. Roles that bypass RLS are not restricted.';

REVOKE ALL ON FUNCTION private.platforms_credential_routing_owners_only() FROM PUBLIC;

CREATE FUNCTION private.platforms_secret_binding() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_bound_to uuid;
begin
  if new.credentials_secret_id is null
     or (tg_op = 'UPDATE' and new.credentials_secret_id is not distinct from old.credentials_secret_id
         and new.id = old.id) then
    return new;
  end if;
  if not exists (select 1 from vault.secrets s where s.id = new.credentials_secret_id) then
    raise exception 'platforms.credentials_secret_id: no Vault secret has id %', new.credentials_secret_id
      using errcode = '23503';
  end if;
  insert into private.platform_secrets (secret_id, platform_id)
  values (new.credentials_secret_id, new.id)
  on conflict (secret_id) do nothing;
  select b.platform_id into v_bound_to from private.platform_secrets b where b.secret_id = new.credentials_secret_id;
  if v_bound_to is distinct from new.id then
    raise exception 'platforms.credentials_secret_id: that Vault secret holds another platform''s credentials'
      using errcode = '42501',
            hint = 'Each platform gets its own secret: store its credentials with public.reconnect_platform.';
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.platforms_secret_binding() IS 'BEFORE INSERT/UPDATE trigger on platforms: binds a new credentials_secret_id to the platform (first use) and refuses a secret already bound to another platform, or one that is not in Vault.';

REVOKE ALL ON FUNCTION private.platforms_secret_binding() FROM PUBLIC;

CREATE TRIGGER platforms_credential_routing_owners_only BEFORE INSERT OR UPDATE OF kind, client_id, credentials_secret_id, publish_config ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.platforms_credential_routing_owners_only();

CREATE TRIGGER platforms_secret_binding BEFORE INSERT OR UPDATE OF id, credentials_secret_id ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.platforms_secret_binding();
