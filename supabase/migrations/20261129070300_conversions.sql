-- Attribution: conversions (a sale, a sign-up...) recorded against the distribution that brought the visitor.
-- Links we publish carry utm_source = the platform kind, utm_medium = the channel class (social, email, video,
-- blog, podcast), utm_campaign = the cross-post group id (or the content id when there is no group), and
-- utm_content = the distribution id. A conversion is matched by distribution_id, else utm_content, else
-- utm_campaign + utm_source (the latest post of that group/content on a platform of that kind published before
-- the conversion).
--
-- public.record_conversion(p jsonb) returns jsonb, security invoker (RLS decides what the caller may attribute):
--   p: {client_id?: uuid (required when no distribution matches), distribution_id?: uuid, utm_source?, utm_medium?,
--       utm_campaign?, utm_content?, value?: number (default 0), currency?: ISO 4217 (default USD),
--       occurred_at?: timestamptz (default now()), external_ref?: text (idempotency key, unique per client),
--       metadata?: object}
--   -> {id, client_id, distribution_id (null: unattributed), matched_by: 'id' | 'utm_content' | 'utm' | null,
--       duplicate: boolean (external_ref already recorded: the existing row is returned, nothing written)}

create table public.conversions (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  distribution_id uuid,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  utm_content text,
  value numeric not null default 0 check (value >= 0),
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  occurred_at timestamptz not null default now(),
  external_ref text,
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  constraint conversions_client_external_ref_key unique (client_id, external_ref),
  constraint conversions_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete set null (distribution_id)
);

create index idx_conversions_distribution on public.conversions (distribution_id, occurred_at);
create index idx_conversions_client_occurred on public.conversions (client_id, occurred_at);

comment on table public.conversions is
  'Conversions attributed (where possible) to the distribution whose link brought the visitor; recorded through '
  'public.record_conversion(jsonb). distribution_id null = unattributed.';
comment on column public.conversions.utm_source is 'The platform kind the visitor came from (x, linkedin, email...).';
comment on column public.conversions.utm_campaign is 'The cross-post group id, or the content id when the post had no group.';
comment on column public.conversions.utm_content is 'The distribution id.';
comment on column public.conversions.value is 'Monetary value of the conversion in currency (0 for a non-monetary goal).';
comment on column public.conversions.external_ref is
  'The caller''s id for the conversion (order id...): recording it again returns the existing row (idempotent).';

alter table public.conversions enable row level security;
create policy conversions_select on public.conversions for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));
create policy conversions_insert on public.conversions for insert to authenticated
  with check (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy conversions_update on public.conversions for update to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))))
  with check (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy conversions_delete on public.conversions for delete to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));

revoke all on public.conversions from public, anon, authenticated;
grant select, insert, update, delete on public.conversions to authenticated;
grant all on public.conversions to service_role;

-- Rollup on the distribution (kept by a trigger), so conversion reports never aggregate the conversions table.
alter table public.distributions
  add column conversions integer not null default 0 check (conversions >= 0),
  add column conversion_value numeric not null default 0 check (conversion_value >= 0);

comment on column public.distributions.conversions is 'Conversions attributed to this post (kept from public.conversions by a trigger).';
comment on column public.distributions.conversion_value is 'Sum of their value (in their currency; see conversion_report).';

create or replace function private.rollup_conversions()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.distribution_id is not null then
    update public.distributions d
       set conversions = greatest(d.conversions - 1, 0), conversion_value = greatest(d.conversion_value - old.value, 0)
     where d.id = old.distribution_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.distribution_id is not null then
    update public.distributions d
       set conversions = d.conversions + 1, conversion_value = d.conversion_value + new.value
     where d.id = new.distribution_id;
  end if;
  return null;
end
$$;

revoke execute on function private.rollup_conversions() from public, anon, authenticated;

create trigger conversions_rollup
  after insert or delete or update of distribution_id, value on public.conversions
  for each row execute function private.rollup_conversions();

create or replace function public.record_conversion(p jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_uuid constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_occurred timestamptz := coalesce((p ->> 'occurred_at')::timestamptz, now());
  v_client uuid := (p ->> 'client_id')::uuid;
  v_dist uuid;
  v_dist_client uuid;
  v_matched text;
  v_campaign text := nullif(btrim(p ->> 'utm_campaign'), '');
  v_source text := lower(nullif(btrim(p ->> 'utm_source'), ''));
  v_content text := nullif(btrim(p ->> 'utm_content'), '');
  v_id uuid;
  v_existing public.conversions;
begin
  if jsonb_typeof(p) is distinct from 'object' then
    raise exception 'record_conversion expects a JSON object' using errcode = 'invalid_parameter_value';
  end if;

  if p ->> 'distribution_id' is not null then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d where d.id = (p ->> 'distribution_id')::uuid;
    if v_dist is null then
      raise exception 'distribution % not found', p ->> 'distribution_id' using errcode = 'no_data_found';
    end if;
    v_matched := 'id';
  elsif v_content ~ v_uuid then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d
    where d.id = v_content::uuid and (v_client is null or d.client_id = v_client);
    v_matched := case when v_dist is not null then 'utm_content' end;
  end if;

  if v_dist is null and v_campaign ~ v_uuid and v_source is not null then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d
    join public.platforms pl on pl.id = d.platform_id
    where (d.cross_post_group_id = v_campaign::uuid or d.content_id = v_campaign::uuid)
      and pl.kind = v_source
      and (v_client is null or d.client_id = v_client)
      and d.status = 'published'
    order by (d.published_at <= v_occurred) desc, d.published_at desc, d.id
    limit 1;
    v_matched := case when v_dist is not null then 'utm' end;
  end if;

  if v_client is not null and v_dist_client is not null and v_client <> v_dist_client then
    raise exception 'distribution % does not belong to client %', v_dist, v_client using errcode = 'invalid_parameter_value';
  end if;
  v_client := coalesce(v_dist_client, v_client);
  if v_client is null then
    raise exception 'no distribution matched and no client_id given' using errcode = 'invalid_parameter_value';
  end if;

  insert into public.conversions (client_id, distribution_id, utm_source, utm_medium, utm_campaign, utm_content,
                                  value, currency, occurred_at, external_ref, metadata)
  values (v_client, v_dist, v_source, p ->> 'utm_medium', v_campaign, v_content,
          coalesce((p ->> 'value')::numeric, 0), upper(coalesce(p ->> 'currency', 'USD')), v_occurred,
          p ->> 'external_ref', coalesce(p -> 'metadata', '{}'::jsonb))
  on conflict (client_id, external_ref) do nothing
  returning id into v_id;

  if v_id is null then
    select * into v_existing from public.conversions c
    where c.client_id = v_client and c.external_ref = p ->> 'external_ref';
    return jsonb_build_object('id', v_existing.id, 'client_id', v_existing.client_id,
                              'distribution_id', v_existing.distribution_id, 'matched_by', v_matched,
                              'duplicate', true);
  end if;
  return jsonb_build_object('id', v_id, 'client_id', v_client, 'distribution_id', v_dist,
                            'matched_by', v_matched, 'duplicate', false);
end
$$;

comment on function public.record_conversion(jsonb) is
  'Records a conversion, attributed by distribution_id, utm_content (distribution id) or utm_campaign (cross-post '
  'group or content id) + utm_source (platform kind). Idempotent on (client_id, external_ref). Runs with the '
  'caller''s rights: members with owner/editor role, or the service role.';

revoke execute on function public.record_conversion(jsonb) from public, anon;
grant execute on function public.record_conversion(jsonb) to authenticated, service_role;
