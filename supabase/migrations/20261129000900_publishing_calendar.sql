-- The publishing calendar: per-platform time slots, free or holding a distribution.

create table public.publishing_calendar (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,

  date date not null,
  time_slot time not null,
  timezone text not null default 'America/New_York'
    constraint publishing_calendar_timezone_valid check (private.is_valid_timezone(timezone)),

  platform_id uuid not null,
  distribution_id uuid,

  slot_type text not null default 'regular'
    constraint publishing_calendar_slot_type_check check (slot_type in ('regular', 'prime', 'test')),
  is_locked boolean not null default false,
  recurring_pattern text
    constraint publishing_calendar_recurring_pattern_check
    check (recurring_pattern in ('daily', 'weekly', 'monthly')),

  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  unique (date, time_slot, platform_id),
  constraint publishing_calendar_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id) on delete cascade,
  constraint publishing_calendar_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete set null (distribution_id)
);

create index idx_publishing_calendar_date on public.publishing_calendar (date);
create index idx_publishing_calendar_platform on public.publishing_calendar (platform_id);
create index idx_publishing_calendar_distribution on public.publishing_calendar (distribution_id);
create index idx_publishing_calendar_client on public.publishing_calendar (client_id);

comment on table public.publishing_calendar is
  'Posting slots per platform (the platform''s posting schedule): a slot is free or holds one distribution.';
comment on column public.publishing_calendar.date is 'Local date of the slot in the row''s timezone.';
comment on column public.publishing_calendar.time_slot is 'Local wall-clock time of the slot in the row''s timezone.';
comment on column public.publishing_calendar.timezone is 'IANA time zone in which date and time_slot are expressed.';
comment on column public.publishing_calendar.slot_type is 'regular; prime (reserved for high-priority content); test (hosts A/B variants).';
comment on column public.publishing_calendar.is_locked is 'Never filled automatically; only a person can assign it.';
comment on column public.publishing_calendar.recurring_pattern is 'A recurring slot (daily, weekly, monthly) starting at date/time_slot; null = one-off.';
