-- updated_at is kept by one shared trigger function on every table that has the column.

create trigger set_updated_at before update on public.clients
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.client_members
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.platforms
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.publisher_verticals
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.generated_content
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.cross_post_groups
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.distributions
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.publishing_calendar
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.platform_patterns
  for each row execute function private.set_updated_at();
