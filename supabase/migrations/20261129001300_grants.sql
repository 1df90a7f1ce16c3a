-- Table privileges, explicit: authenticated gets DML (RLS decides which rows); service_role everything;
-- anon nothing. Vault is never granted here: only the service role (and postgres) can read secrets.

revoke all on table
  public.clients, public.client_members, public.platforms, public.publisher_verticals, public.generated_content,
  public.cross_post_groups, public.distributions, public.distribution_metrics, public.publishing_calendar,
  public.platform_patterns, public.pattern_feedback
from public, anon, authenticated;

grant select, insert, update, delete on table
  public.clients, public.client_members, public.platforms, public.publisher_verticals, public.generated_content,
  public.cross_post_groups, public.distributions, public.distribution_metrics, public.publishing_calendar,
  public.platform_patterns, public.pattern_feedback
to authenticated;

grant all on table
  public.clients, public.client_members, public.platforms, public.publisher_verticals, public.generated_content,
  public.cross_post_groups, public.distributions, public.distribution_metrics, public.publishing_calendar,
  public.platform_patterns, public.pattern_feedback
to service_role;

-- Belt and braces for functions created before the default-privilege change (none expected in these schemas).
revoke execute on all functions in schema private from public, anon;
