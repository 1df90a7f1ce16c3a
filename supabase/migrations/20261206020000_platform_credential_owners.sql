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

-- The credential-routing settings of a publish_config, by the name the refusals use (absent keys left out).
create function private.platform_credential_routing(p_config jsonb)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  select jsonb_strip_nulls(jsonb_build_object(
    'base_url', p_config -> 'base_url',
    'token_url', p_config -> 'token_url',
    'hosting.base_url', p_config #> '{hosting,base_url}',
    'analytics.url', p_config #> '{analytics,url}',
    'analytics.auth', p_config #> '{analytics,auth}'))
$$;

comment on function private.platform_credential_routing(jsonb) is
  'The publish_config keys that decide where a platform''s credentials are sent, as {"<key path>": value}.';

-- SECURITY INVOKER on purpose: it judges the role that runs the statement (a security-definer function writing
-- platforms runs as its owner, the backend).
create function private.platforms_credential_routing_owners_only()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_old jsonb := case when tg_op = 'UPDATE' then private.platform_credential_routing(old.publish_config)
                      else '{}'::jsonb end;
  v_new jsonb := private.platform_credential_routing(new.publish_config);
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

  if tg_op = 'UPDATE' then
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

  if not private.has_client_role(new.client_id, array['owner'])
     or (tg_op = 'UPDATE' and not private.has_client_role(old.client_id, array['owner'])) then
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
  'credential-routing publish_config keys (private.platform_credential_routing); no signed-in user sets '
  'credentials_secret_id. Roles that bypass RLS are not restricted.';

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

revoke execute on function private.platform_credential_routing(jsonb),
  private.platforms_credential_routing_owners_only(), private.platforms_secret_binding() from public, anon;
-- The routing trigger runs as the writing role (signed-in users included).
grant execute on function private.platform_credential_routing(jsonb) to authenticated, service_role;

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

comment on column public.platforms.credentials_secret_id is
  'Id of the Vault secret (vault.secrets.id) holding the credentials as JSON, bound to this platform '
  '(private.platform_secrets). Only the service role can read Vault; owners set credentials with '
  'public.reconnect_platform; no signed-in user writes this column.';
comment on column public.platforms.publish_config is
  'Adapter settings: base_url (API root; the local stack points it at an emulator), per-kind options '
  '(e.g. list_id for email) and overrides of the adapter''s default limits. The keys that decide where '
  'credentials are sent (base_url, token_url, hosting.base_url, analytics.url/auth) are set by owners only.';
