-- Tenancy: clients (tenants) and their members, and the membership helpers the row-level security policies use.

create table public.clients (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) > 0),
  default_timezone text not null default 'America/New_York'
    constraint clients_default_timezone_valid check (private.is_valid_timezone(default_timezone)),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table public.clients is
  'Tenants. Every other row belongs to exactly one client; members of one client never see another client''s rows.';
comment on column public.clients.default_timezone is
  'IANA time zone used when neither the distribution nor the platform names one.';

create table public.client_members (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'viewer'
    constraint client_members_role_check check (role in ('owner', 'editor', 'viewer')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint client_members_client_user_key unique (client_id, user_id)
);

create index idx_client_members_user on public.client_members (user_id);

comment on table public.client_members is 'Which users belong to which client, and with what role.';
comment on column public.client_members.role is
  'owner: everything, including managing members; editor: read and write the client''s rows; viewer: read only.';

-- Membership helpers. SECURITY DEFINER so they read client_members without recursing into its own policies;
-- they only ever answer for the calling user (auth.uid()).

create or replace function private.member_client_ids(p_roles text[] default null)
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.client_id
  from public.client_members m
  where m.user_id = (select auth.uid())
    and (p_roles is null or m.role = any (p_roles))
$$;

comment on function private.member_client_ids(text[]) is
  'Clients the calling user belongs to (optionally only with one of p_roles). Policies use it as '
  '`client_id = any (array(select private.member_client_ids()))`, evaluated once per statement and index-friendly.';

create or replace function private.is_client_member(p_client_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.client_members m
    where m.client_id = p_client_id and m.user_id = (select auth.uid())
  )
$$;

comment on function private.is_client_member(uuid) is 'True when the calling user is a member of the client, in any role.';

create or replace function private.has_client_role(p_client_id uuid, p_roles text[])
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.client_members m
    where m.client_id = p_client_id and m.user_id = (select auth.uid()) and m.role = any (p_roles)
  )
$$;

comment on function private.has_client_role(uuid, text[]) is 'True when the calling user has one of p_roles in the client.';

revoke execute on function private.member_client_ids(text[]) from public, anon;
revoke execute on function private.is_client_member(uuid) from public, anon;
revoke execute on function private.has_client_role(uuid, text[]) from public, anon;
-- Policies execute with the privileges of the querying role.
grant execute on function private.member_client_ids(text[]) to authenticated, service_role;
grant execute on function private.is_client_member(uuid) to authenticated, service_role;
grant execute on function private.has_client_role(uuid, text[]) to authenticated, service_role;
