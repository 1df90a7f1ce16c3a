-- Cross-post groups: one piece of content posted to several platforms as a coordinated set.

create table public.cross_post_groups (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  name text,
  source_content_id uuid,
  timing_strategy text not null default 'simultaneous'
    constraint cross_post_groups_timing_strategy_check
    check (timing_strategy in ('simultaneous', 'staggered', 'optimized')),
  stagger_minutes integer check (stagger_minutes > 0),
  status text not null default 'pending'
    constraint cross_post_groups_status_check
    check (status in ('pending', 'in_progress', 'completed', 'partial', 'failed')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint cross_post_groups_stagger_check check (timing_strategy <> 'staggered' or stagger_minutes is not null),
  constraint cross_post_groups_id_client_key unique (id, client_id),
  constraint cross_post_groups_source_content_fkey foreign key (source_content_id, client_id)
    references public.generated_content (id, client_id) on delete set null (source_content_id)
);

create index idx_cross_post_groups_status on public.cross_post_groups (status);
create index idx_cross_post_groups_client on public.cross_post_groups (client_id);
create index idx_cross_post_groups_source_content on public.cross_post_groups (source_content_id);

comment on table public.cross_post_groups is 'A set of distributions of one piece of content to several platforms, posted together.';
comment on column public.cross_post_groups.timing_strategy is
  'simultaneous: all at once; staggered: in order, stagger_minutes apart; optimized: each at its platform''s best slot.';
comment on column public.cross_post_groups.status is
  'Derived from the members: pending, in_progress, completed (all published), partial (some published, the rest '
  'failed or cancelled), failed (none published).';
