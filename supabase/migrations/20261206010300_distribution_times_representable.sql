-- A distribution's times are instants every reader can hold. Postgres takes 'infinity' and dates before Christ;
-- the workers (JavaScript dates) cannot, and a claim or a metrics read that returns such a row used to fail for
-- every row claimed beside it, every client's (the workers now fail that row alone, with why). Studio and REST
-- edits of scheduled_for and published_at are refused outside 1970 to 9999 (check_violation naming this
-- constraint). NOT VALID: rows written before are left as they are (the workers settle them) and checked only
-- when written again.
alter table public.distributions
  add constraint distributions_times_representable check (
    (scheduled_for is null
      or scheduled_for between timestamptz '1970-01-01 00:00:00+00' and timestamptz '9999-12-31 23:59:59+00')
    and (published_at is null
      or published_at between timestamptz '1970-01-01 00:00:00+00' and timestamptz '9999-12-31 23:59:59+00')
  ) not valid;

comment on constraint distributions_times_representable on public.distributions is
  'scheduled_for and published_at between 1970 and 9999: no infinity, no dates a worker cannot hold.';
