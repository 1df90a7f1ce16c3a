-- Demo data for the local stack: one client with an owner, one platform of each kind pointing at the local
-- emulators (dev-stack ports; other stacks rewrite publish_config.base_url), credentials in Vault, a vertical
-- and a few drafts. Fixed ids so tests and docs can refer to them. Safe to run again.

-- Owner user (the local stack has no GoTrue; tokens are minted with the local JWT secret for this id).
insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data)
values (
  'a0000000-0000-4000-8000-000000000001', 'owner@demo.local', 'authenticated', 'authenticated',
  '{"provider": "email", "providers": ["email"]}', '{"name": "Demo Owner"}'
)
on conflict (id) do nothing;

insert into public.clients (id, name, default_timezone)
values ('c0000000-0000-4000-8000-000000000001', 'Demo Publisher', 'America/New_York')
on conflict (id) do nothing;

insert into public.client_members (id, client_id, user_id, role)
values (
  'c1000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
  'a0000000-0000-4000-8000-000000000001', 'owner'
)
on conflict (client_id, user_id) do nothing;

-- Platforms. Credentials are demo values the emulators accept; they live only in Vault.
do $$
declare
  p record;
  secret_id uuid;
begin
  for p in
    select * from (values
      ('b0000000-0000-4000-8000-000000000001'::uuid, 'Demo Blog', 'wordpress',
       jsonb_build_object('base_url', 'http://127.0.0.1:54330'),
       jsonb_build_object('username', 'admin', 'application_password', 'abcd EFGH ijkl MNOP qrst UVWX'),
       5, 20, 30, null::int, 200, 'demo-blog', 'Demo Blog'),
      ('b0000000-0000-4000-8000-000000000002', 'Demo X', 'x',
       jsonb_build_object('base_url', 'http://127.0.0.1:54331'),
       jsonb_build_object('app_key', 'emu-app-key', 'app_secret', 'emu-app-secret',
                          'access_token', '1500000000000000001-emutoken', 'access_secret', 'emu-access-secret',
                          'user_id', '1500000000000000001'),
       10, 50, 15, 280, null, '1500000000000000001', '@emulated_brand'),
      ('b0000000-0000-4000-8000-000000000003', 'Demo LinkedIn', 'linkedin',
       jsonb_build_object('base_url', 'http://127.0.0.1:54332', 'author_urn', 'urn:li:organization:10001'),
       jsonb_build_object('access_token', 'emu-linkedin-token'),
       2, 10, 60, 3000, null, 'urn:li:organization:10001', 'Demo Publisher'),
      ('b0000000-0000-4000-8000-000000000004', 'Demo YouTube', 'youtube',
       jsonb_build_object('base_url', 'http://127.0.0.1:54333', 'privacy_status', 'public'),
       jsonb_build_object('access_token', 'emu-youtube-token'),
       1, 5, 120, 5000, 100, 'UCemulatedChannel000001', 'Demo Publisher'),
      ('b0000000-0000-4000-8000-000000000005', 'Demo Newsletter', 'email',
       jsonb_build_object('base_url', 'http://127.0.0.1:54334/3.0', 'list_id', 'list1',
                          'from_name', 'Demo Publisher', 'reply_to', 'news@demo.example'),
       jsonb_build_object('api_key', 'emulator-key-us1'),
       1, 2, 720, null, 150, 'list1', 'Demo Newsletter'),
      ('b0000000-0000-4000-8000-000000000006', 'Demo Instagram', 'instagram',
       jsonb_build_object('base_url', 'http://127.0.0.1:54335', 'ig_user_id', '17841400000000001',
                          'poll_interval_ms', 200),
       jsonb_build_object('access_token', 'ig-token'),
       2, 10, 60, 2200, null, '17841400000000001', 'demopublisher'),
      ('b0000000-0000-4000-8000-000000000007', 'Demo TikTok', 'tiktok',
       jsonb_build_object('base_url', 'http://127.0.0.1:54336', 'default_privacy_level', 'PUBLIC_TO_EVERYONE',
                          'poll_interval_ms', 200),
       jsonb_build_object('access_token', 'tt-token'),
       2, 10, 60, 2200, null, 'creator', 'creator'),
      ('b0000000-0000-4000-8000-000000000008', 'Demo Podcast', 'podcast',
       jsonb_build_object(
         'hosting', jsonb_build_object('base_url', 'http://127.0.0.1:54337', 'show_id', 'show1'),
         'title', 'Money Minutes', 'description', 'Ten-minute episodes on budgeting, saving and investing.',
         'image_url', 'https://demo.example/podcast/cover-1400.png', 'language', 'en',
         'category', 'Business > Investing', 'explicit', false, 'author', 'Demo Publisher',
         'link', 'https://demo.example/podcast'),
       jsonb_build_object('api_key', 'transistor-key'),
       1, 2, 720, 4000, 255, 'show1', 'Money Minutes')
    ) as v (id, name, kind, publish_config, credentials, per_hour, per_day, min_interval,
            max_content, max_title, account_id, account_name)
  loop
    select s.id into secret_id from vault.decrypted_secrets s where s.name = 'platform_credentials_' || p.id;
    if secret_id is null then
      secret_id := vault.create_secret(
        p.credentials::text, 'platform_credentials_' || p.id, 'Credentials of the demo platform ' || p.name);
    end if;

    insert into public.platforms (
      id, client_id, name, kind, timezone, publish_config, credentials_secret_id,
      posts_per_hour, posts_per_day, min_interval_minutes, max_content_length, max_title_length,
      account_id, account_name
    )
    values (
      p.id, 'c0000000-0000-4000-8000-000000000001', p.name, p.kind::public.platform_kind, 'America/New_York', p.publish_config,
      secret_id, p.per_hour, p.per_day, p.min_interval, p.max_content, p.max_title, p.account_id, p.account_name
    )
    on conflict (id) do nothing;
  end loop;
end
$$;

insert into public.publisher_verticals (id, client_id, name, slug, description)
values (
  'e0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
  'Personal Finance', 'personal-finance', 'Budgeting, saving and investing for beginners'
)
on conflict (id) do nothing;

-- Drafts: set one to ready_for_distribution to see it scheduled onto its target platforms.
insert into public.generated_content (
  id, client_id, vertical_id, title, content, content_type, metadata, business_unit, status,
  target_platform_ids, priority
)
values
  ('f0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
   'e0000000-0000-4000-8000-000000000001',
   'Five budgeting habits that actually stick',
   E'# Five budgeting habits that actually stick\n\n'
   || E'Most budgets fail in the first month. These five habits take ten minutes a week and survive real life.\n\n'
   || E'1. **Pay yourself first.** Move savings on payday, before anything else.\n'
   || E'2. **Name every dollar.** Give each one a job.\n'
   || E'3. **Review weekly.** Ten minutes, same time each week.\n'
   || E'4. **Plan for irregular costs.** Car repairs are not surprises.\n'
   || E'5. **Forgive a bad week.** Start again on Monday.\n',
   'generated',
   '{"keywords": ["budgeting", "personal finance", "saving"], "topics": ["Budgeting"],
     "media_urls": [], "canonical_url": "https://demo.local/blog/budgeting-habits"}',
   'publishing', 'draft',
   array['b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002',
         'b0000000-0000-4000-8000-000000000003']::uuid[],
   'normal'),
  ('f0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001',
   'e0000000-0000-4000-8000-000000000001',
   'Index funds in one page',
   E'Index funds buy the whole market so you do not have to pick winners. Fees matter more than you think: '
   || E'a 1% fee can cost a third of your returns over thirty years.\n\nStart small, automate, and leave it alone.\n\n'
   || '*|UNSUB|*',
   'generated',
   '{"keywords": ["index funds", "investing"], "topics": ["Investing"],
     "media_urls": ["https://demo.local/media/index-funds.png"],
     "canonical_url": "https://demo.local/blog/index-funds"}',
   'publishing', 'draft',
   array['b0000000-0000-4000-8000-000000000005', 'b0000000-0000-4000-8000-000000000006']::uuid[],
   'high'),
  ('f0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000001', null,
   'Episode 12: Debt snowball or avalanche?',
   E'This week we compare the debt snowball and the debt avalanche, with real numbers and one listener''s story.',
   'manual',
   '{"keywords": ["debt", "podcast"], "topics": ["Debt"], "media_urls": ["https://demo.local/media/ep12.mp3"]}',
   'podcast', 'draft',
   array['b0000000-0000-4000-8000-000000000008']::uuid[],
   'normal')
on conflict (id) do nothing;
