-- Calendar rows created automatically to hold one distribution (an occurrence of a recurring slot, or a time
-- chosen from the platform's posting times) are marked, so they are deleted, not left behind as free slots, when
-- the distribution moves away, is cancelled, fails or is deleted. Recurring slots and rows a person made stay.

alter table public.publishing_calendar
  add column is_ad_hoc boolean not null default false;

comment on column public.publishing_calendar.is_ad_hoc is
  'Created by the scheduler to hold one distribution; deleted when that distribution leaves it. False for recurring '
  'slots and slots made by a person, which are only freed (distribution_id set to null).';

-- Slot lookups go by platform and local date.
create index idx_publishing_calendar_platform_date on public.publishing_calendar (platform_id, date);
create index idx_publishing_calendar_recurring on public.publishing_calendar (platform_id)
  where recurring_pattern is not null;

-- Rate-limit counting around an instant: rows scheduled or in flight, by scheduled_for (published rows use
-- idx_distributions_platform_published).
create index idx_distributions_platform_slot on public.distributions (platform_id, scheduled_for)
  where status in ('scheduled', 'publishing', 'unconfirmed');

-- Slot lookups by instant (taking a slot, listing a window): local_to_utc is immutable, it depends only on the
-- time zone database, so the instant of each row can be indexed. Without it every lookup converts every row of
-- the platform's nearby dates, which grows with the calendar.
create index idx_publishing_calendar_platform_instant on public.publishing_calendar
  (platform_id, scheduling.local_to_utc(date + time_slot, timezone));
