-- bench/publish-path: the triggers that differ between the variants (bench.use runs these after the functions).
-- Before: the cross-post group status kept by a row trigger (each changed member refreshes its group); after: by one
-- statement trigger (each group once a statement).
\set ON_ERROR_STOP 1
insert into bench.defs (variant, name, def) values
('before', '~triggers', $sql$
  drop trigger if exists distributions_a_group_status_update on public.distributions;
  drop trigger if exists distributions_group_status_update on public.distributions;
  create trigger distributions_group_status_update after update on public.distributions for each row
    when ((old.status is distinct from new.status and new.cross_post_group_id is not null)
          or old.cross_post_group_id is distinct from new.cross_post_group_id)
    execute function private.sync_cross_post_group_status();
$sql$),
('after', '~triggers', $sql$
  drop trigger if exists distributions_a_group_status_update on public.distributions;
  drop trigger if exists distributions_group_status_update on public.distributions;
  create trigger distributions_a_group_status_update after update on public.distributions
    referencing old table as old_rows new table as new_rows for each statement
    execute function private.sync_cross_post_groups_status();
$sql$);
