-- Publisher verticals and generated content (the content sources the distribution system publishes).

create table public.publisher_verticals (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  name text not null check (length(btrim(name)) > 0),
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint publisher_verticals_client_slug_key unique (client_id, slug),
  constraint publisher_verticals_id_client_key unique (id, client_id)
);

comment on table public.publisher_verticals is 'Editorial verticals (topics, sites or brands) a client publishes under.';

create table public.generated_content (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  vertical_id uuid,
  title text,
  content text not null,
  content_type text not null default 'generated'
    constraint generated_content_content_type_check
    check (content_type in ('generated', 'manual', 'repurposed', 'curated')),
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  business_unit text,
  status text not null default 'draft'
    constraint generated_content_status_check
    check (status in ('draft', 'ready_for_distribution', 'distributing', 'distributed', 'failed')),
  target_platform_ids uuid[] not null default '{}',
  priority text not null default 'normal'
    constraint generated_content_priority_check check (priority in ('normal', 'high')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint generated_content_id_client_key unique (id, client_id),
  constraint generated_content_vertical_fkey foreign key (vertical_id, client_id)
    references public.publisher_verticals (id, client_id) on delete set null (vertical_id)
);

create index idx_generated_content_client on public.generated_content (client_id);
create index idx_generated_content_vertical on public.generated_content (vertical_id);
create index idx_generated_content_status on public.generated_content (status);

comment on table public.generated_content is
  'Content to distribute (from the generation engine or entered by hand). When status becomes '
  'ready_for_distribution it is scheduled onto target_platform_ids.';
comment on column public.generated_content.content is 'The body, in Markdown; adapted per platform when distributed.';
comment on column public.generated_content.metadata is
  'keywords (text[]), topics (text[]), media_urls (text[]), canonical_url (text) and free-form extras.';
comment on column public.generated_content.status is
  'draft -> ready_for_distribution (triggers scheduling) -> distributing -> distributed | failed.';
comment on column public.generated_content.target_platform_ids is
  'Platforms (of the same client) to distribute to when the row becomes ready_for_distribution.';
comment on column public.generated_content.priority is 'high content may take the platform''s prime calendar slots.';

-- An array cannot carry a foreign key: check that every target platform exists and belongs to the row's client.
create or replace function private.check_target_platforms()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  bad uuid[];
begin
  select array_agg(t.id) into bad
  from unnest(new.target_platform_ids) as t (id)
  where not exists (select 1 from public.platforms p where p.id = t.id and p.client_id = new.client_id);
  if bad is not null then
    raise exception 'target_platform_ids % are not platforms of client %', bad, new.client_id
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end
$$;

revoke execute on function private.check_target_platforms() from public, anon;

-- AFTER (a constraint trigger) so row-level security rejects a foreign row before this check runs.
create constraint trigger check_target_platforms
  after insert or update of target_platform_ids, client_id on public.generated_content
  for each row execute function private.check_target_platforms();
