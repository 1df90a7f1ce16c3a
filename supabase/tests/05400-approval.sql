-- Review before publishing: a distribution an approval rule covers is written pending_approval and holds its slot;
-- the publisher never claims it; only owners and approvers approve (-> scheduled) or reject it with a reason
-- (-> rejected, slot freed); an approval after the slot passed takes the next allowed time or is refused, as the
-- caller chooses; content edited after an approval waits again; each step queues its webhook event; the
-- distributions_awaiting_approval view lists what waits for whom, per client.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(31);
select tests.create_two_clients();
select tests.create_user('approver_a@test.local');
insert into client_members (client_id, user_id, role)
values (tests.fx('A', 'client'), tests.get_user_id('approver_a@test.local'), 'approver');

insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-000000005401', tests.fx('A', 'client'), 'Reviewed', 'linkedin', 0);
insert into webhook_endpoints (client_id, url, events)
values (tests.fx('A', 'client'), 'http://127.0.0.1:9/hook',
        array['distribution.pending_approval', 'distribution.approved', 'distribution.rejected']);

-- Owners manage the rules; an editor may not.
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select throws_ok($$insert into approval_rules (client_id, content_type) values (tests.fx('A', 'client'), 'generated')$$,
  '42501', null, 'an editor cannot add an approval rule');
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
insert into approval_rules (client_id, content_type) values (tests.fx('A', 'client'), 'generated');

-- Generated content scheduled by an editor waits; manual content does not.
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, timezone) values
  ('00000000-0000-4000-8000-0000000054d1', tests.fx('A', 'client'), 'generated', '00000000-0000-4000-8000-000000005401',
   'one', 'scheduled', date_trunc('minute', now()) + interval '2 days', 'UTC'),
  ('00000000-0000-4000-8000-0000000054d2', tests.fx('A', 'client'), 'generated', '00000000-0000-4000-8000-000000005401',
   'two', 'scheduled', date_trunc('minute', now()) + interval '3 days', 'UTC'),
  ('00000000-0000-4000-8000-0000000054d3', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000005401',
   'three', 'scheduled', date_trunc('minute', now()) + interval '4 days', 'UTC'),
  ('00000000-0000-4000-8000-0000000054d4', tests.fx('A', 'client'), 'generated', '00000000-0000-4000-8000-000000005401',
   'four', 'draft', null, 'UTC');
select is((select array_agg(status order by id) from distributions where platform_id = '00000000-0000-4000-8000-000000005401'),
  array['pending_approval', 'pending_approval', 'scheduled', 'draft']::distribution_status[], 'generated content is written pending_approval, manual content scheduled');
select isnt((select approval_requested_at from distributions where id = '00000000-0000-4000-8000-0000000054d1'), null,
  'the wait is timed');
select is((select count(*)::int from publishing_calendar where distribution_id = '00000000-0000-4000-8000-0000000054d1'), 1,
  'a pending distribution holds its calendar slot');
select is((select count(*)::int from scheduling.platform_posts('00000000-0000-4000-8000-000000005401',
             now() + interval '1 day', now() + interval '2 days 1 hour')), 1,
  'slot choice counts it as taken');
select is((select (public.reschedule_distribution('00000000-0000-4000-8000-0000000054d4',
             date_trunc('minute', now()) + interval '5 days') -> 'distribution' ->> 'status')),
  'pending_approval', 'scheduling a draft that needs approval makes it wait too');

-- Nor can an editor approve by writing the status.
select throws_ok($$update distributions set status = 'scheduled' where id = '00000000-0000-4000-8000-0000000054d1'$$,
  '42501', 'permission denied: only owners and approvers of the client can approve or reject distribution 00000000-0000-4000-8000-0000000054d1',
  'an editor cannot approve by updating the row');

-- Only owners and approvers review.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select throws_ok($$select public.approve_distribution('00000000-0000-4000-8000-0000000054d1')$$, '42501',
  'permission denied: only owners and approvers of the client can approve or reject distribution 00000000-0000-4000-8000-0000000054d1',
  'a viewer cannot approve');
select throws_ok($$select public.reject_distribution('00000000-0000-4000-8000-0000000054d1', 'no')$$, '42501',
  'permission denied: only owners and approvers of the client can approve or reject distribution 00000000-0000-4000-8000-0000000054d1',
  'a viewer cannot reject');
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select throws_ok($$select public.approve_distribution('00000000-0000-4000-8000-0000000054d1')$$, '42501',
  'permission denied: only owners and approvers of the client can approve or reject distribution 00000000-0000-4000-8000-0000000054d1',
  'an editor cannot approve');
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select throws_ok($$select public.approve_distribution('00000000-0000-4000-8000-0000000054d1')$$, 'P0002', null,
  'another client''s owner does not see it');
select is((select count(*)::int from distributions_awaiting_approval), 0, 'nor does the view show it to them');

-- The view: what waits, for whom.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select is((select array_agg(distribution_id::text order by distribution_id) from distributions_awaiting_approval),
  array['00000000-0000-4000-8000-0000000054d1', '00000000-0000-4000-8000-0000000054d2',
        '00000000-0000-4000-8000-0000000054d4'], 'members see what waits');
select ok((select approver_user_ids @> array[tests.get_user_id('owner_a@test.local'), tests.get_user_id('approver_a@test.local')]
                  and not approver_user_ids @> array[tests.get_user_id('editor_a@test.local')]
           from distributions_awaiting_approval where distribution_id = '00000000-0000-4000-8000-0000000054d1'),
  'and for whom: the owners and approvers');

-- The publisher never claims it, even when due.
select tests.clear_authentication();
update distributions set scheduled_for = now() - interval '1 minute' where id = '00000000-0000-4000-8000-0000000054d2';
update distributions set scheduled_for = now() - interval '2 minutes' where id = '00000000-0000-4000-8000-0000000054d3';
select is((select array_agg(c.id::text) from private.claim_due_distributions(100, 60) c
           where c.platform_id = '00000000-0000-4000-8000-000000005401'), array['00000000-0000-4000-8000-0000000054d3'],
  'the publisher claims the due scheduled row only...');
select is((select status from distributions where id = '00000000-0000-4000-8000-0000000054d2'), 'pending_approval',
  '...and leaves the due pending row alone');

-- An approver approves: scheduled at its slot, reviewer stamped.
select tests.authenticate_as(tests.get_user_id('approver_a@test.local'));
select is((public.approve_distribution('00000000-0000-4000-8000-0000000054d1') -> 'distribution' ->> 'status'), 'scheduled',
  'an approver approves');
select is((select (reviewed_by, scheduled_for)::text from distributions where id = '00000000-0000-4000-8000-0000000054d1'),
  (tests.get_user_id('approver_a@test.local'), date_trunc('minute', now()) + interval '2 days')::text,
  'at its own slot, and who approved it is kept');
select throws_ok($$select public.approve_distribution('00000000-0000-4000-8000-0000000054d1')$$, '55000', null,
  'a row that is not waiting cannot be approved again');

-- Its slot passed while it waited: refused, or the next allowed time.
select is((public.approve_distribution('00000000-0000-4000-8000-0000000054d2') ->> 'ok'), 'false',
  'by default an approval after the slot passed is refused');
select is((select status from distributions where id = '00000000-0000-4000-8000-0000000054d2'), 'pending_approval',
  'and the row keeps waiting');
select throws_ok($$select public.approve_distribution('00000000-0000-4000-8000-0000000054d2', 'later')$$, '22023', null,
  'if_passed is refuse or next_slot');
select is((public.approve_distribution('00000000-0000-4000-8000-0000000054d2', 'next_slot') -> 'distribution' ->> 'status'),
  'scheduled', 'with next_slot it is approved...');
select ok((select scheduled_for >= now() - interval '5 seconds' from distributions where id = '00000000-0000-4000-8000-0000000054d2'),
  '...at the next allowed time, not in the past');

-- Rejection needs a reason and frees the slot.
select throws_ok($$select public.reject_distribution('00000000-0000-4000-8000-0000000054d4', '  ')$$, '22023', null,
  'a rejection needs a reason');
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select is((public.reject_distribution('00000000-0000-4000-8000-0000000054d4', 'Off brand') -> 'distribution' ->> 'status'),
  'rejected', 'an owner rejects');
select is((select (review_note, (select count(*) from publishing_calendar c where c.distribution_id = d.id))::text
           from distributions d where id = '00000000-0000-4000-8000-0000000054d4'),
  ('Off brand', 0)::text, 'the reason is kept and the slot freed');

-- Content edited after an approval waits again (and a post handed to the platform ahead of time is withdrawn).
select tests.clear_authentication();
update distributions set native_state = 'handed_off', external_id = 'native-1'
 where id = '00000000-0000-4000-8000-0000000054d1';
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
update distributions set body = 'one, edited' where id = '00000000-0000-4000-8000-0000000054d1';
select is((select (status, reviewed_at)::text from distributions where id = '00000000-0000-4000-8000-0000000054d1'),
  ('pending_approval', null::timestamptz)::text, 'an edit after the approval asks for approval again');
select tests.clear_authentication();
select is((select (d.native_state, d.external_id, c.external_id)::text from distributions d
           join platform_cancellations c on c.distribution_id = d.id where d.id = '00000000-0000-4000-8000-0000000054d1'),
  (null::text, null::text, 'native-1')::text, 'the copy handed to the platform is withdrawn');

-- Each step is a webhook event.
select tests.clear_authentication();
select is((select array_agg(event || ':' || (payload #>> '{distribution,id}') order by event, payload #>> '{distribution,id}')
           from webhook_deliveries where client_id = tests.fx('A', 'client')),
  array['distribution.approved:00000000-0000-4000-8000-0000000054d1',
        'distribution.approved:00000000-0000-4000-8000-0000000054d2',
        'distribution.pending_approval:00000000-0000-4000-8000-0000000054d1',
        'distribution.pending_approval:00000000-0000-4000-8000-0000000054d1',
        'distribution.pending_approval:00000000-0000-4000-8000-0000000054d2',
        'distribution.pending_approval:00000000-0000-4000-8000-0000000054d4',
        'distribution.rejected:00000000-0000-4000-8000-0000000054d4'],
  'pending_approval, approved and rejected are queued for the endpoint');
select is((select payload #>> '{distribution,review_note}' from webhook_deliveries
           where event = 'distribution.rejected' and client_id = tests.fx('A', 'client')),
  'Off brand', 'the rejection event carries the reason');

select * from finish();
rollback;
