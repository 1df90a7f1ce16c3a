/**
 * Email through Mailchimp Marketing API v3 campaigns: create a regular campaign -> set its HTML ->
 * send (or native schedule on a quarter hour UTC). Mailchimp refuses to send or schedule a
 * campaign whose send checklist has errors; only then is the checklist read, to name them, and
 * the draft deleted. Update works until the campaign is sent (unschedule, patch, reschedule);
 * delete unschedules first; metrics come from /reports.
 *
 * Every call goes through the official `@mailchimp/mailchimp_marketing` client, an instance of its
 * own per adapter (adapters/mailchimp-client.ts: never the package's configured singleton, so one
 * tenant's key and host are never another's). The API root is publish_config.base_url (an emulator)
 * or the API key's data centre (`https://{dc}.api.mailchimp.com/3.0`); the credential is Basic (any
 * user, the API key as password) or the OAuth token as Bearer. Answers and errors go through the
 * shared classifier (net/classify.ts).
 *
 * No write is sent twice: the client's superagent sends through net/node-agent.ts, whose agent keeps
 * connections alive and never lets Deno's node:http send a POST or PATCH again, so a lost answer to
 * a write is an `unknown` outcome, reconciled by findExisting. (A GET, PUT or DELETE sent again
 * after a stale connection changes nothing.) The agent also applies the egress rules
 * (net/egress.ts) to every connection.
 *
 * Existence lookup: the campaign's internal title (`settings.title`, never shown to recipients)
 * carries the attempt marker; findExisting lists recent campaigns and matches it.
 */
import { z } from "zod";
import {
  type AdapterDeps,
  attemptMarker,
  buildMetrics,
  type ExistenceQuery,
  invalidContent,
  notApplied,
  type PlatformAdapter,
  type PublishOptions,
  setupAdapter,
  validation,
} from "./adapter.ts";
import { ApiHostNotAllowed } from "../platforms/api-hosts.ts";
import type { ErrorProfile, HttpAnswer } from "../net/classify.ts";
import type { CredentialsFor } from "../platforms/credentials.ts";
import type { HttpClient, HttpOk } from "../net/api-client.ts";
import { sharedSendOnceAgent } from "../net/node-agent.ts";
import {
  callSdk,
  type MailchimpSdk,
  mailchimpSdk,
  type SdkCall,
  type SdkSetup,
} from "./mailchimp-client.ts";
import { HTTP_SETTINGS, type LimitsFor } from "./settings.ts";
import type {
  DeleteResult,
  DistributionContent,
  ExistenceResult,
  Failure,
  MetricsResult,
  PlatformRow,
  PublishResult,
  ScheduleResult,
  UpdateResult,
  ValidationError,
  ValidationResult,
} from "./types.ts";

export const MAILCHIMP_ERRORS: ErrorProfile = {
  platform: "Mailchimp",
  messagePaths: ["detail", "title"],
  codePaths: ["title"],
  rules: [
    { status: 403, path: "title", equals: "User Disabled", errorClass: "auth" },
  ],
  // The limit is 10 simultaneous connections: it lifts as soon as others finish.
  rateLimitReset: { kind: "after", seconds: 30 },
};

const UNSUB = "*|UNSUB|*";

const EmailConfigSchema = z.object({
  /** API root, e.g. http://127.0.0.1:54335/3.0; default from the API key's datacenter. */
  base_url: z.string().url().optional(),
  list_id: z.string().optional(),
  from_name: z.string().optional(),
  reply_to: z.string().optional(),
  timeout_ms: z.number().int().positive().optional(),
});

const EmailExtrasSchema = z.object({
  list_id: z.string().optional(),
  from_name: z.string().optional(),
  reply_to: z.string().email().optional(),
  preview_text: z.string().optional(),
});

const CampaignSchema = z.object({
  id: z.string(),
  status: z.string(),
  archive_url: z.string().optional(),
  long_archive_url: z.string().optional(),
  send_time: z.string().optional(),
  settings: z.object({ title: z.string().optional() }).optional(),
});
type Campaign = z.infer<typeof CampaignSchema>;
const ChecklistSchema = z.object({
  is_ready: z.boolean(),
  items: z.array(z.object({ type: z.string(), heading: z.string(), details: z.string() })),
});
type Checklist = z.infer<typeof ChecklistSchema>;
const ContentSchema = z.object({ html: z.string() });
/** What a 2xx body of a no-content call (send, schedule, delete) must be when there is one. */
const NoContentSchema = z.string();
const CampaignListSchema = z.object({ campaigns: z.array(CampaignSchema) });
const ReportSchema = z.object({
  emails_sent: z.number(),
  unsubscribed: z.number().optional(),
  abuse_reports: z.number().optional(),
  opens: z.object({
    opens_total: z.number(),
    unique_opens: z.number(),
    open_rate: z.number(),
  }).partial().optional(),
  clicks: z.object({
    clicks_total: z.number(),
    unique_clicks: z.number(),
    click_rate: z.number(),
  }).partial().optional(),
  bounces: z.object({ hard_bounces: z.number(), soft_bounces: z.number() }).partial().optional(),
  forwards: z.object({ forwards_count: z.number() }).partial().optional(),
});

/** One API call: its HTTP method (for the classifier) and the client method that makes it. */
interface Call {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  run: (sdk: MailchimpSdk) => SdkCall;
}

/** A campaign action (send and unschedule take no body; the agent still sends them once). */
function action(id: string, name: "send" | "unschedule"): Call {
  return {
    method: "POST",
    run: (sdk) =>
      name === "send"
        ? sdk.campaigns.sendWithHttpInfo(id)
        : sdk.campaigns.unscheduleWithHttpInfo(id),
  };
}

function scheduleAction(id: string, scheduleTime: string): Call {
  return {
    method: "POST",
    run: (sdk) => sdk.campaigns.scheduleWithHttpInfo(id, { schedule_time: scheduleTime }),
  };
}

const getCampaign = (id: string): Call => ({
  method: "GET",
  run: (sdk) => sdk.campaigns.getWithHttpInfo(id),
});
const removeCampaign = (id: string): Call => ({
  method: "DELETE",
  run: (sdk) => sdk.campaigns.removeWithHttpInfo(id),
});

/** Basic with any user and the API key as password, or the OAuth token as Bearer. */
function authorization(credentials: CredentialsFor<"email">): string {
  return credentials.api_key
    ? `Basic ${btoa(`user:${credentials.api_key}`)}`
    : `Bearer ${credentials.access_token}`;
}

/** publish_config.base_url, else the data centre the API key ends with (`...-us14`). */
function apiRoot(baseUrl: string | undefined, credentials: CredentialsFor<"email">): string {
  const dc = credentials.api_key?.split("-").at(-1) ?? "us1";
  // the data centre becomes the first label of a mailchimp.com host: nothing but a label may end the key
  if (baseUrl === undefined && !/^[a-z0-9]{1,63}$/i.test(dc)) {
    throw new ApiHostNotAllowed("credentials.api_key: does not end with a data centre like -us14");
  }
  return (baseUrl ?? `https://${dc}.api.mailchimp.com/3.0`).replace(/\/+$/, "");
}

const failure = (message: string) => notApplied("permanent", message);

/** Why a campaign cannot go out, from its send checklist; undefined when it can. */
function notReadyFailure(checklist: Checklist): Failure | undefined {
  if (checklist.is_ready) return undefined;
  const problems = checklist.items.filter((i) => i.type === "error");
  return failure(
    `Mailchimp send checklist: ${problems.map((i) => `${i.heading}: ${i.details}`).join("; ")}`,
  );
}

export class EmailAdapter implements PlatformAdapter {
  readonly kind = "email" as const;
  private readonly config: z.infer<typeof EmailConfigSchema>;
  private readonly limits: LimitsFor<"email">;
  private readonly http: HttpClient;
  private readonly sdkSetup: SdkSetup;
  /** Built on the first call (mailchimp-client.ts loads the package then). */
  private sdk: Promise<MailchimpSdk> | null = null;

  /**
   * `deps` gives the clock and the timeout; a transport or fetch in it does not apply: every call
   * goes through the SDK (the HttpClient only checks answers and reads the clock).
   */
  constructor(platform: PlatformRow, credentials: CredentialsFor<"email">, deps: AdapterDeps = {}) {
    ({ config: this.config, limits: this.limits, http: this.http } = setupAdapter(
      "email",
      platform,
      EmailConfigSchema,
      MAILCHIMP_ERRORS,
      deps,
    ));
    const root = apiRoot(this.config.base_url, credentials);
    this.sdkSetup = {
      root,
      authorization: authorization(credentials),
      timeoutMs: deps.timeoutMs ?? this.config.timeout_ms ?? HTTP_SETTINGS.timeoutMs,
      // the isolate's: every adapter's calls share its kept-alive connections to an origin
      agent: sharedSendOnceAgent(root),
    };
  }

  /** One client call, its answer classified (never a throw). */
  private async send(call: Call): Promise<HttpAnswer | Failure> {
    const sdk = await (this.sdk ??= mailchimpSdk(this.sdkSetup));
    return callSdk(MAILCHIMP_ERRORS, call.method, this.http.now(), () => call.run(sdk));
  }

  /** A call whose 2xx body must match `schema` (an HTML page is a failure, never a success). */
  private async json<T>(call: Call, schema: z.ZodType<T>): Promise<HttpOk<T> | Failure> {
    const answer = await this.send(call);
    return "ok" in answer ? answer : this.http.expectJson(call.method, answer, schema);
  }

  /** A call answered 204 No Content (send, schedule, unschedule, delete). */
  private async noContent(call: Call): Promise<HttpOk<string> | Failure> {
    const answer = await this.send(call);
    if ("ok" in answer) return answer;
    if (answer.status !== 204 && answer.text.trim() !== "") {
      return this.http.expectJson(call.method, answer, NoContentSchema);
    }
    return { ok: true, status: answer.status, headers: answer.headers, data: answer.text };
  }

  private campaign(id: string): Promise<HttpOk<Campaign> | Failure> {
    return this.json(getCampaign(id), CampaignSchema);
  }

  private extras(content: DistributionContent) {
    const extras = EmailExtrasSchema.safeParse(content.platformSpecific ?? {}).data ?? {};
    return {
      list_id: extras.list_id ?? this.config.list_id,
      from_name: extras.from_name ?? this.config.from_name,
      reply_to: extras.reply_to ?? this.config.reply_to,
      preview_text: extras.preview_text,
    };
  }

  validate(content: DistributionContent): ValidationResult {
    const errors: ValidationError[] = [];
    const subject = content.title?.trim() ?? "";
    const { maxSubjectChars, maxPreviewTextChars } = this.limits;
    if (!subject) errors.push({ field: "title", message: "an email needs a subject line" });
    const subjectLength = [...subject].length;
    if (subjectLength > maxSubjectChars) {
      errors.push({
        field: "title",
        message: `${subjectLength} characters, Mailchimp allows ${maxSubjectChars} in a subject`,
      });
    }
    if (!content.body.includes(UNSUB)) {
      errors.push({ field: "body", message: `must contain the ${UNSUB} unsubscribe merge tag` });
    }
    const parsed = EmailExtrasSchema.safeParse(content.platformSpecific ?? {});
    for (const issue of parsed.error?.issues ?? []) {
      errors.push({ field: `platformSpecific.${issue.path.join(".")}`, message: issue.message });
    }
    const extras = this.extras(content);
    const preview = [...extras.preview_text ?? ""].length;
    if (preview > maxPreviewTextChars) {
      errors.push({
        field: "platformSpecific.preview_text",
        message: `${preview} characters, Mailchimp allows ${maxPreviewTextChars}`,
      });
    }
    for (const key of ["list_id", "from_name", "reply_to"] as const) {
      if (!extras[key]) {
        errors.push({
          field: `platformSpecific.${key}`,
          message: "required (here or in the platform's publish_config)",
        });
      }
    }
    return validation(errors);
  }

  private settings(content: DistributionContent) {
    const extras = this.extras(content);
    return {
      subject_line: content.title,
      preview_text: extras.preview_text,
      from_name: extras.from_name,
      reply_to: extras.reply_to,
    };
  }

  /** Create the campaign with its content; a draft whose content cannot be set is deleted. */
  private async prepare(
    content: DistributionContent,
    attemptId: string,
  ): Promise<Campaign | Failure> {
    const body = {
      type: "regular",
      recipients: { list_id: this.extras(content).list_id },
      settings: { ...this.settings(content), title: attemptMarker(attemptId) },
    };
    const created = await this.json(
      { method: "POST", run: (sdk) => sdk.campaigns.createWithHttpInfo(body) },
      CampaignSchema,
    );
    if (!created.ok) return created;
    const campaign = created.data;
    const html = await this.setContent(campaign.id, content);
    if (html === true) return campaign;
    await this.remove(campaign.id);
    return html;
  }

  /**
   * Send or schedule a prepared campaign. Mailchimp refuses both (400) while the send checklist
   * has errors, so the checklist is read only then: the failure names its errors and the draft,
   * which cannot go out, is deleted (as a check before sending would do, one request less).
   */
  private async dispatch(campaign: Campaign, call: Call): Promise<HttpOk<string> | Failure> {
    const done = await this.noContent(call);
    if (done.ok || done.status !== 400) return done;
    const checklist = await this.checklist(campaign.id);
    const notReady = checklist.ok ? notReadyFailure(checklist.data) : undefined;
    if (!notReady) return done;
    await this.remove(campaign.id);
    return notReady;
  }

  private async remove(id: string): Promise<void> {
    await this.noContent(removeCampaign(id));
  }

  private async setContent(id: string, content: DistributionContent): Promise<true | Failure> {
    const html = await this.json({
      method: "PUT",
      run: (sdk) => sdk.campaigns.setContentWithHttpInfo(id, { html: content.body }),
    }, ContentSchema);
    return html.ok ? true : html;
  }

  private checklist(id: string): Promise<HttpOk<Checklist> | Failure> {
    return this.json(
      { method: "GET", run: (sdk) => sdk.campaigns.getSendChecklistWithHttpInfo(id) },
      ChecklistSchema,
    );
  }

  /** Set the HTML and check the send checklist (an edit must leave the campaign sendable). */
  private async fill(id: string, content: DistributionContent): Promise<true | Failure> {
    const html = await this.setContent(id, content);
    if (html !== true) return html;
    const checklist = await this.checklist(id);
    if (!checklist.ok) return checklist;
    return notReadyFailure(checklist.data) ?? true;
  }

  private url(campaign: Campaign): string {
    return campaign.archive_url ?? campaign.long_archive_url ?? "";
  }

  async publish(
    content: DistributionContent,
    { attemptId }: PublishOptions,
  ): Promise<PublishResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const campaign = await this.prepare(content, attemptId);
    if ("ok" in campaign) return campaign;
    const sent = await this.dispatch(campaign, action(campaign.id, "send"));
    if (!sent.ok) return sent;
    return { ok: true, externalId: campaign.id, externalUrl: this.url(campaign) };
  }

  /** Mailchimp sends at `at`, which must be a quarter hour (UTC) in the future. */
  async schedule(
    content: DistributionContent,
    at: Date,
    { attemptId }: PublishOptions,
  ): Promise<ScheduleResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const step = this.limits.scheduleStepMinutes;
    if (at.getUTCMinutes() % step || at.getUTCSeconds() || at.getUTCMilliseconds()) {
      return failure(
        `schedule_time: ${at.toISOString()} is not on a ${step}-minute boundary (UTC) as Mailchimp requires`,
      );
    }
    if (at <= this.http.now()) return failure(`schedule_time: ${at.toISOString()} is in the past`);
    const campaign = await this.prepare(content, attemptId);
    if ("ok" in campaign) return campaign;
    const scheduled = await this.dispatch(campaign, scheduleAction(campaign.id, at.toISOString()));
    if (!scheduled.ok) return scheduled;
    return { ok: true, externalId: campaign.id, externalUrl: this.url(campaign), scheduledFor: at };
  }

  /** Until it is sent: unschedule if needed, change subject and content, reschedule. */
  async update(externalId: string, content: DistributionContent): Promise<UpdateResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const got = await this.campaign(externalId);
    if (!got.ok) return got;
    const campaign = got.data;
    if (campaign.status === "sent" || campaign.status === "sending") {
      return failure(
        `Mailchimp campaign ${externalId} is ${campaign.status}: a sent email cannot change`,
      );
    }
    const scheduledAt = campaign.status === "schedule" && campaign.send_time
      ? campaign.send_time
      : undefined;
    if (scheduledAt) {
      const unscheduled = await this.noContent(action(externalId, "unschedule"));
      if (!unscheduled.ok) return unscheduled;
    }
    const changed = await this.change(externalId, content);
    // Put it back on schedule whether or not the change went through.
    if (scheduledAt) {
      const rescheduled = await this.noContent(scheduleAction(externalId, scheduledAt));
      if (!rescheduled.ok) return rescheduled;
    }
    if (changed !== true) return changed;
    return { ok: true, externalId, externalUrl: this.url(campaign) };
  }

  private async change(id: string, content: DistributionContent): Promise<true | Failure> {
    const body = { settings: this.settings(content) };
    const patched = await this.json(
      { method: "PATCH", run: (sdk) => sdk.campaigns.updateWithHttpInfo(id, body) },
      CampaignSchema,
    );
    return patched.ok ? this.fill(id, content) : patched;
  }

  async delete(externalId: string): Promise<DeleteResult> {
    const got = await this.campaign(externalId);
    if (!got.ok && got.status === 404) return { ok: true, externalId, alreadyDeleted: true };
    if (!got.ok) return got;
    if (got.data.status === "schedule") {
      const unscheduled = await this.noContent(action(externalId, "unschedule"));
      if (!unscheduled.ok) return unscheduled;
    }
    const removed = await this.noContent(removeCampaign(externalId));
    if (!removed.ok && removed.status === 404) {
      return { ok: true, externalId, alreadyDeleted: true };
    }
    return removed.ok ? { ok: true, externalId, alreadyDeleted: false } : removed;
  }

  /**
   * Opens are the impressions of an email; unsubscribes are followers lost. No report (404): the
   * campaign is looked up, and only its own 404 (deleted in Mailchimp) marks the read `gone`.
   */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const res = await this.json(
      { method: "GET", run: (sdk) => sdk.reports.getCampaignReportWithHttpInfo(externalId) },
      ReportSchema,
    );
    if (!res.ok && res.status === 404) {
      const campaign = await this.campaign(externalId);
      return !campaign.ok && campaign.status === 404
        ? {
          ...campaign,
          message: `Mailchimp campaign ${externalId}: ${campaign.message}`,
          gone: true,
        }
        : res;
    }
    if (!res.ok) return res;
    const r = res.data;
    return {
      ok: true,
      metrics: buildMetrics({
        impressions: r.opens?.opens_total,
        reach: r.opens?.unique_opens,
        clicks: r.clicks?.clicks_total,
        engagements: r.clicks?.unique_clicks,
        followers_lost: r.unsubscribed,
      }, {
        emails_sent: r.emails_sent,
        unique_opens: r.opens?.unique_opens,
        open_rate: r.opens?.open_rate,
        unique_clicks: r.clicks?.unique_clicks,
        click_rate: r.clicks?.click_rate,
        hard_bounces: r.bounces?.hard_bounces,
        soft_bounces: r.bounces?.soft_bounces,
        abuse_reports: r.abuse_reports,
        forwards: r.forwards?.forwards_count,
        unsubscribed: r.unsubscribed,
      }),
    };
  }

  /** A sent or scheduled campaign whose internal title carries the attempt marker. */
  async findExisting({ attemptId, sentAt }: ExistenceQuery): Promise<ExistenceResult> {
    const query: Record<string, string> = {
      count: "1000",
      sort_field: "create_time",
      sort_dir: "DESC",
    };
    if (sentAt) {
      query.since_create_time = new Date(sentAt.getTime() - 86_400_000).toISOString();
    }
    const res = await this.json(
      { method: "GET", run: (sdk) => sdk.campaigns.listWithHttpInfo(query) },
      CampaignListSchema,
    );
    if (!res.ok) return res;
    const marker = attemptMarker(attemptId);
    const match = res.data.campaigns.find((c) =>
      c.settings?.title === marker && ["sent", "sending", "schedule"].includes(c.status)
    );
    return match
      ? { ok: true, found: true, externalId: match.id, externalUrl: this.url(match) }
      : { ok: true, found: false };
  }
}
