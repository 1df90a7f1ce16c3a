-- Who decides where a platform's credentials go, and which credentials those are.
--
-- Editors run a client's platforms day to day: names, time zone, limits, the active flag, the adapter options in
-- publish_config. What decides where the stored credentials are sent is the owners' alone:
--   platforms.kind                            which adapter (and so which API) gets them
--   platforms.client_id                       which client's owners control them
--   publish_config.base_url                   every kind's API root (also where X refreshes its tokens)
--   publish_config.token_url                  LinkedIn's and YouTube's OAuth2 token endpoint (refresh token,
--                                             client secret)
--   publish_config.hosting.base_url           the podcast host's API (its api_key)
--   publish_config.analytics.url / .auth      WordPress's analytics source (auth = 'wordpress' sends the
--                                             Application Password there)
-- A signed-in user who is not an owner of the client cannot set or change any of these (insert or update); the
-- refusal names the column or key. platforms.credentials_secret_id is written by no signed-in user at all: owners
-- store credentials with public.reconnect_platform, which creates the platform's own Vault secret.
-- Roles that bypass row-level security (the service role, the migration owner and so the security-definer
-- functions it owns) are the backend and are not restricted here.
--
-- Which secret: a Vault secret is bound to the one platform it was first stored on (private.platform_secrets,
-- unique on the secret). Putting it on another platform is refused, for every role; every reader of
-- credentials (private.lock_platform_credentials, private.save_platform_credentials, the edge functions'
-- loaders) reads a platform's secret only through its binding, so a secret id copied onto another platform
-- yields nothing. Bindings outlive their platform: a deleted platform's secret is never bound again.

create table private.platform_secrets (
  secret_id uuid primary key,
  platform_id uuid not null,
  bound_at timestamptz not null default now()
);

create index idx_platform_secrets_platform on private.platform_secrets (platform_id);

comment on table private.platform_secrets is
  'Which platform each Vault secret holding platform credentials belongs to (one platform per secret, for good). '
  'Written by the platforms_secret_binding trigger; credentials are read only through it.';

alter table private.platform_secrets enable row level security;
revoke all on private.platform_secrets from public, anon, authenticated, service_role;
-- The edge functions' credential loaders (service role) check the binding; nothing writes it but the trigger.
grant select on private.platform_secrets to service_role;

-- Existing rows: each secret goes to the platform named in the secret's name (how reconnect_platform and the seed
-- name them), else to the oldest platform using it. Any other platform that used it loses it and waits for an
-- owner to reconnect it with its own credentials.
insert into private.platform_secrets (secret_id, platform_id)
select distinct on (p.credentials_secret_id) p.credentials_secret_id, p.id
from public.platforms p
left join vault.secrets s on s.id = p.credentials_secret_id
where p.credentials_secret_id is not null
order by p.credentials_secret_id, (coalesce(s.name, '') like '%' || p.id::text || '%') desc, p.created_at, p.id;

update public.platforms p
   set credentials_secret_id = null,
       needs_reconnection = true,
       reconnection_reason = 'its credentials were another platform''s: reconnect it with its own'
 where p.credentials_secret_id is not null
   and not exists (select 1 from private.platform_secrets b
                   where b.secret_id = p.credentials_secret_id and b.platform_id = p.id);

-- SECURITY INVOKER on purpose: it judges the role that runs the statement (a security-definer function writing
-- platforms runs as its owner, the backend). So it names nothing in schema private, which signed-in users cannot
-- use: membership is read from public.client_members, whose policies show a member their own row.
create function private.platforms_credential_routing_owners_only()
returns trigger
language plpgsql
set search_path = ''
as $$
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

comment on function private.platforms_credential_routing_owners_only() is
  'BEFORE INSERT/UPDATE trigger on platforms: only owners of the client set or change kind, client_id and the '
  'publish_config keys that decide where credentials are sent (base_url, token_url, hosting.base_url, '
  'analytics.url, analytics.auth); no signed-in user sets credentials_secret_id. Roles that bypass RLS are not '
  'restricted.';

create trigger platforms_credential_routing_owners_only
  before insert or update of kind, client_id, credentials_secret_id, publish_config on public.platforms
  for each row execute function private.platforms_credential_routing_owners_only();

-- SECURITY DEFINER: it writes the binding table, which no caller can.
create function private.platforms_secret_binding()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
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

comment on function private.platforms_secret_binding() is
  'BEFORE INSERT/UPDATE trigger on platforms: binds a new credentials_secret_id to the platform (first use) and '
  'refuses a secret already bound to another platform, or one that is not in Vault.';

create trigger platforms_secret_binding
  before insert or update of id, credentials_secret_id on public.platforms
  for each row execute function private.platforms_secret_binding();

revoke execute on function private.platforms_credential_routing_owners_only(), private.platforms_secret_binding()
  from public, anon;

-- The readers, as in 20261130010000_platform_credential_refresh.sql, now through the binding: a platform whose
-- credentials_secret_id is not its own secret has no credentials.
create or replace function private.lock_platform_credentials(p_platform_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret text;
begin
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select s.decrypted_secret into v_secret
  from public.platforms p
  join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
  join vault.decrypted_secrets s on s.id = b.secret_id
  where p.id = p_platform_id;
  if v_secret is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  return v_secret;
end
$$;

create or replace function private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret_id uuid;
begin
  if jsonb_typeof(p_credentials) is distinct from 'object' then
    raise exception 'credentials must be a JSON object' using errcode = '22023';
  end if;
  -- Re-entrant within the transaction: a no-op after lock_platform_credentials, a wait otherwise.
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select b.secret_id into v_secret_id
  from public.platforms p
  join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
  where p.id = p_platform_id;
  if v_secret_id is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  perform vault.update_secret(v_secret_id, p_credentials::text);
end
$$;

-- As in 20261130040000_failed_on_auth.sql, except that a credentials_secret_id bound to another platform is not
-- written to: the platform gets a secret of its own.
create or replace function public.reconnect_platform(p_platform_id uuid, p_credentials jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_platform public.platforms;
  v_secret_id uuid;
  v_name text := 'platform-credentials-' || p_platform_id::text;
begin
  select * into v_platform from public.platforms p where p.id = p_platform_id for update;
  -- A signed-in user reaches only their own clients' platforms, and must own the client to reconnect one.
  if auth.role() = 'authenticated' or current_setting('role', true) = 'authenticated' then
    if not found or not private.is_client_member(v_platform.client_id) then
      raise exception 'platform % not found', p_platform_id using errcode = 'P0002';
    end if;
    if not private.has_client_role(v_platform.client_id, array['owner']) then
      raise exception 'permission denied: only owners can reconnect platform %', p_platform_id
        using errcode = '42501';
    end if;
  elsif not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'P0002';
  end if;
  if jsonb_typeof(p_credentials) is distinct from 'object' or p_credentials = '{}'::jsonb then
    raise exception 'credentials must be a non-empty JSON object' using errcode = '22023';
  end if;

  v_secret_id := v_platform.credentials_secret_id;
  -- Another platform's secret (data from before the binding) is not this platform's to overwrite: it gets its own.
  if v_secret_id is not null and not exists (select 1 from private.platform_secrets b
                                             where b.secret_id = v_secret_id and b.platform_id = p_platform_id) then
    v_secret_id := null;
  end if;
  if v_secret_id is null then
    select s.id into v_secret_id from vault.secrets s where s.name = v_name;
    if v_secret_id is null then
      v_secret_id := vault.create_secret('{}', v_name,
                                         format('credentials of platform %s (%s)', v_platform.name, v_platform.kind));
    end if;
  end if;
  update public.platforms
     set credentials_secret_id = v_secret_id, needs_reconnection = false, reconnection_reason = null
   where id = p_platform_id;
  -- Under the credential lock, so a worker renewing the old token does not write it back over these.
  perform private.save_platform_credentials(p_platform_id, p_credentials);

  return jsonb_build_object(
    'platform_id', p_platform_id,
    'needs_reconnection', false,
    'waiting', (select count(*) from public.distributions d
                where d.platform_id = p_platform_id and d.status = 'scheduled'),
    'failed_on_auth', coalesce((select jsonb_agg(f.id order by f.n)
                                from scheduling.failed_on_auth(p_platform_id) with ordinality as f(id, n)),
                               '[]'::jsonb));
end
$$;

comment on column public.platforms.credentials_secret_id is
  'Id of the Vault secret (vault.secrets.id) holding the credentials as JSON, bound to this platform '
  '(private.platform_secrets). Only the service role can read Vault; owners set credentials with '
  'public.reconnect_platform; no signed-in user writes this column.';
comment on column public.platforms.publish_config is
  'Adapter settings: base_url (API root; the local stack points it at an emulator), per-kind options '
  '(e.g. list_id for email) and overrides of the adapter''s default limits. The keys that decide where '
  'credentials are sent (base_url, token_url, hosting.base_url, analytics.url/auth) are set by owners only.';
