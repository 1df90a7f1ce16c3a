-- bench/history: the open rows a platform keeps besides its scheduled ones, for the readers of its open rows
-- (readers.sql), added after generate.sql's two parts: per platform :failed failed rows over the past two years
-- (each with its failed attempt, one in four on an auth error: failed_on_auth's), 2 drafts, 1 row waiting for
-- approval and 1 unconfirmed one. Triggers are bypassed as in generate.sql.
\set ON_ERROR_STOP 1
set synchronous_commit = off;
set session_replication_role = replica;
create temp table plat as
select row_number() over (order by id) - 1 as n, id, client_id, timezone
from public.platforms where name like 'platform %';

insert into public.distributions (id, client_id, content_type, platform_id, title, body, status, scheduled_for,
  timezone, error_message)
select md5('hx' || pl.n || '/' || k)::uuid, pl.client_id, 'manual', pl.id, 'Failed ' || k, 'Failed post ' || k,
       'failed', now() - interval '3 hours' - (k * (730.0 / :failed) + pl.n % 97 / 97.0) * interval '1 day',
       pl.timezone, 'refused'
from plat pl, generate_series(1, :failed) k;

insert into public.distribution_attempts (id, distribution_id, client_id, platform_id, kind, started_at,
  finished_at, outcome)
select md5('hxa' || d.id)::uuid, d.id, d.client_id, d.platform_id, 'publish', d.scheduled_for,
       d.scheduled_for + interval '1 second', case when d.title like '%0' or d.title like '%4' then 'auth' else 'permanent' end
from public.distributions d
where d.status = 'failed' and d.title like 'Failed %';

insert into public.distributions (id, client_id, content_type, platform_id, title, body, status, scheduled_for,
  timezone, approval_requested_at)
select md5('ho' || pl.n || '/' || k)::uuid, pl.client_id, 'manual', pl.id, 'Open ' || k, 'Open post ' || k,
       (array['draft', 'draft', 'pending_approval', 'unconfirmed'])[k]::public.distribution_status,
       case when k = 1 then null else now() + (k - 3) * interval '1 day' + pl.n * interval '1 second' end,
       pl.timezone, case when k = 3 then now() end
from plat pl, generate_series(1, 4) k;

set session_replication_role = origin;
