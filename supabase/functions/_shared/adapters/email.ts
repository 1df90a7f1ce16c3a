/**
 * Email through Mailchimp campaigns, with the official `@mailchimp/mailchimp_marketing` client:
 * create a regular campaign -> set its HTML -> send (or native schedule on a quarter hour UTC).
 * Mailchimp refuses to send or schedule a campaign whose send checklist has errors; only then is
 * the checklist read, to name them, and the draft deleted. Update works until the campaign is
 * sent (unschedule, patch, reschedule); delete unschedules first; metrics come from /reports.
 *
 * The client is a CommonJS singleton whose config is global, so each adapter builds its own
 * instance from the singleton's constructor and points `basePath` at publish_config.base_url
 * (an emulator) or the API key's datacenter. Its answers (superagent responses) go through the
 * shared classifier like every other adapter's. Each superagent request gets the instance's
 * keep-alive agent (see `keepConnections`), so one run's calls share connections.
 *
 * Existence lookup: the campaign's internal title (`settings.title`, never shown to recipients)
 * carries the attempt marker; findExisting lists recent campaigns and matches it.
 */
import mailchimp from "@mailchimp/mailchimp_marketing";
import { Buffer } from "node:buffer";
import { z } from "zod";
import {
  type AdapterDeps,
  attemptMarker,
  buildMetrics,
  type ExistenceQuery,
  invalidContent,
  type PlatformAdapter,
  type PublishOptions,
  validation,
} from "./adapter.ts";
import {
  classifyNetworkError,
  classifyResponse,
  type ErrorProfile,
  type HttpAnswer,
} from "./classify.ts";
import type { CredentialsFor } from "./credentials.ts";
import {
  type HttpClient,
  httpClientFor,
  type HttpOk,
  type KeepAliveAgent,
  keepAliveAgent,
} from "./http.ts";
import { type LimitsFor, limitsFor } from "./settings.ts";
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

/** The parts of a superagent response the client hands back (or attaches to its errors). */
interface AgentResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  text?: string;
}
type Call = Promise<{ data: unknown; response: AgentResponse }>;

/** The slice of a superagent request the client builds that we touch. */
interface AgentRequest {
  agent(agent: KeepAliveAgent): AgentRequest;
}

/** The slice of the untyped client this adapter uses. */
interface MailchimpClient {
  basePath: string;
  timeout: number;
  /** With cookies enabled, `agent.attachCookies` sees every request before it is sent. */
  enableCookies: boolean;
  agent: { attachCookies(request: AgentRequest): void; saveCookies(response: unknown): void };
  setConfig(config: { apiKey?: string; accessToken?: string }): void;
  /** Sent with every request. */
  defaultHeaders: Record<string, string>;
  campaigns: {
    createWithHttpInfo(body: unknown): Call;
    listWithHttpInfo(opts: Record<string, unknown>): Call;
    getWithHttpInfo(id: string): Call;
    updateWithHttpInfo(id: string, body: unknown): Call;
    removeWithHttpInfo(id: string): Call;
    setContentWithHttpInfo(id: string, body: unknown): Call;
    getSendChecklistWithHttpInfo(id: string): Call;
    sendWithHttpInfo(id: string): Call;
    scheduleWithHttpInfo(id: string, body: unknown): Call;
    unscheduleWithHttpInfo(id: string): Call;
  };
  reports: { getCampaignReportWithHttpInfo(id: string): Call };
}

const MailchimpClientCtor = (mailchimp as unknown as { constructor: new () => MailchimpClient })
  .constructor;

function answerOf(response: AgentResponse): HttpAnswer {
  const headers = new Headers(response.headers);
  const isJson = /json/.test(headers.get("content-type") ?? "");
  return {
    status: response.status,
    headers,
    body: isJson ? response.body : undefined,
    text: response.text ?? "",
  };
}

function agentResponse(error: unknown): AgentResponse | undefined {
  const response = (error as { response?: AgentResponse } | null)?.response;
  return response && typeof response.status === "number" ? response : undefined;
}

/**
 * The client builds each superagent request inside `callApi` and offers no option for its node
 * agent (superagent then opens a connection per request). Its one per-request hook is the
 * per-instance cookie jar, called with every request before it is sent: ours sets the agent
 * and keeps no cookies (Mailchimp's API does not use them).
 */
function keepConnections(client: MailchimpClient, agent: KeepAliveAgent): void {
  client.enableCookies = true;
  client.agent = {
    attachCookies: (request) => request.agent(agent),
    saveCookies: () => {},
  };
}

function failure(message: string): Failure {
  return { ok: false, errorClass: "permanent", outcome: "not_applied", message };
}

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
  private readonly client: MailchimpClient;
  /** Connections kept alive between this instance's calls (one publish run). */
  private readonly connections: KeepAliveAgent;

  constructor(platform: PlatformRow, credentials: CredentialsFor<"email">, deps: AdapterDeps = {}) {
    this.config = EmailConfigSchema.parse(platform.publish_config);
    this.limits = limitsFor("email", platform);
    this.http = httpClientFor(this.config, deps, MAILCHIMP_ERRORS);
    this.client = new MailchimpClientCtor();
    // setConfig replaces the whole config; the client substitutes config.server into a URL
    // containing "server", so no server is set and basePath is already complete. The credential
    // goes in as the header the client would build from config.apiKey / config.accessToken
    // (Basic with any user, or Bearer), built once here: superagent builds Basic per request
    // with the deprecated `new Buffer`, which Deno checks (a stack walk) on every call.
    this.client.setConfig({});
    this.client.defaultHeaders = {
      Authorization: credentials.api_key
        ? `Basic ${Buffer.from(`user:${credentials.api_key}`).toString("base64")}`
        : `Bearer ${credentials.access_token}`,
    };
    const dc = credentials.api_key?.split("-").at(-1) ?? "us1";
    this.client.basePath = (this.config.base_url ?? `https://${dc}.api.mailchimp.com/3.0`)
      .replace(/\/+$/, "");
    this.client.timeout = deps.timeoutMs ?? this.config.timeout_ms ?? 15_000;
    this.connections = keepAliveAgent(this.client.basePath);
    keepConnections(this.client, this.connections);
  }

  /** Close the kept-alive connections (idle ones also close by themselves, see keepAliveAgent). */
  close(): void {
    this.connections.destroy();
  }

  /** One client call; a non-2xx answer or no answer is classified by the shared classifier. */
  private async answer(
    method: string,
    run: (c: MailchimpClient) => Call,
  ): Promise<HttpAnswer | Failure> {
    try {
      const { response } = await run(this.client);
      return answerOf(response);
    } catch (error) {
      const response = agentResponse(error);
      const ctx = { method, now: this.http.now() };
      if (response) return classifyResponse(MAILCHIMP_ERRORS, answerOf(response), ctx);
      const timedOut = (error as { timeout?: unknown } | null)?.timeout !== undefined;
      return classifyNetworkError(MAILCHIMP_ERRORS, error, { ...ctx, timedOut });
    }
  }

  /** A call whose 2xx body must match `schema` (an HTML page is a failure, never a success). */
  private async json<T>(
    method: string,
    run: (c: MailchimpClient) => Call,
    schema: z.ZodType<T>,
  ): Promise<HttpOk<T> | Failure> {
    const answer = await this.answer(method, run);
    return "ok" in answer ? answer : this.http.expectJson(method, answer, schema);
  }

  /** A call answered 204 No Content (send, schedule, unschedule, delete). */
  private async call(
    method: string,
    run: (c: MailchimpClient) => Call,
  ): Promise<HttpOk<string> | Failure> {
    const answer = await this.answer(method, run);
    if ("ok" in answer) return answer;
    if (answer.status !== 204 && answer.text.trim() !== "") {
      return this.http.expectJson(method, answer, NoContentSchema);
    }
    return { ok: true, status: answer.status, headers: answer.headers, data: answer.text };
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
    const created = await this.json("POST", (c) =>
      c.campaigns.createWithHttpInfo({
        type: "regular",
        recipients: { list_id: this.extras(content).list_id },
        settings: { ...this.settings(content), title: attemptMarker(attemptId) },
      }), CampaignSchema);
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
  private async dispatch(
    campaign: Campaign,
    run: (c: MailchimpClient) => Call,
  ): Promise<HttpOk<string> | Failure> {
    const done = await this.call("POST", run);
    if (done.ok || done.status !== 400) return done;
    const checklist = await this.checklist(campaign.id);
    const notReady = checklist.ok ? notReadyFailure(checklist.data) : undefined;
    if (!notReady) return done;
    await this.remove(campaign.id);
    return notReady;
  }

  private async remove(id: string): Promise<void> {
    await this.call("DELETE", (c) => c.campaigns.removeWithHttpInfo(id));
  }

  private async setContent(id: string, content: DistributionContent): Promise<true | Failure> {
    const html = await this.json(
      "PUT",
      (c) => c.campaigns.setContentWithHttpInfo(id, { html: content.body }),
      ContentSchema,
    );
    return html.ok ? true : html;
  }

  private checklist(id: string): Promise<HttpOk<Checklist> | Failure> {
    return this.json(
      "GET",
      (c) => c.campaigns.getSendChecklistWithHttpInfo(id),
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
    const sent = await this.dispatch(campaign, (c) => c.campaigns.sendWithHttpInfo(campaign.id));
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
    const scheduled = await this.dispatch(
      campaign,
      (c) => c.campaigns.scheduleWithHttpInfo(campaign.id, { schedule_time: at.toISOString() }),
    );
    if (!scheduled.ok) return scheduled;
    return { ok: true, externalId: campaign.id, externalUrl: this.url(campaign), scheduledFor: at };
  }

  /** Until it is sent: unschedule if needed, change subject and content, reschedule. */
  async update(externalId: string, content: DistributionContent): Promise<UpdateResult> {
    const invalid = invalidContent(this.validate(content));
    if (invalid) return invalid;
    const got = await this.json(
      "GET",
      (c) => c.campaigns.getWithHttpInfo(externalId),
      CampaignSchema,
    );
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
      const unscheduled = await this.call(
        "POST",
        (c) => c.campaigns.unscheduleWithHttpInfo(externalId),
      );
      if (!unscheduled.ok) return unscheduled;
    }
    const changed = await this.change(externalId, content);
    // Put it back on schedule whether or not the change went through.
    if (scheduledAt) {
      const rescheduled = await this.call(
        "POST",
        (c) => c.campaigns.scheduleWithHttpInfo(externalId, { schedule_time: scheduledAt }),
      );
      if (!rescheduled.ok) return rescheduled;
    }
    if (changed !== true) return changed;
    return { ok: true, externalId, externalUrl: this.url(campaign) };
  }

  private async change(id: string, content: DistributionContent): Promise<true | Failure> {
    const patched = await this.json(
      "PATCH",
      (c) => c.campaigns.updateWithHttpInfo(id, { settings: this.settings(content) }),
      CampaignSchema,
    );
    return patched.ok ? this.fill(id, content) : patched;
  }

  async delete(externalId: string): Promise<DeleteResult> {
    const got = await this.json(
      "GET",
      (c) => c.campaigns.getWithHttpInfo(externalId),
      CampaignSchema,
    );
    if (!got.ok && got.status === 404) return { ok: true, externalId, alreadyDeleted: true };
    if (!got.ok) return got;
    if (got.data.status === "schedule") {
      const unscheduled = await this.call(
        "POST",
        (c) => c.campaigns.unscheduleWithHttpInfo(externalId),
      );
      if (!unscheduled.ok) return unscheduled;
    }
    const removed = await this.call("DELETE", (c) => c.campaigns.removeWithHttpInfo(externalId));
    if (!removed.ok && removed.status === 404) {
      return { ok: true, externalId, alreadyDeleted: true };
    }
    return removed.ok ? { ok: true, externalId, alreadyDeleted: false } : removed;
  }

  /** Opens are the impressions of an email; unsubscribes are followers lost. */
  async getMetrics(externalId: string): Promise<MetricsResult> {
    const res = await this.json(
      "GET",
      (c) => c.reports.getCampaignReportWithHttpInfo(externalId),
      ReportSchema,
    );
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
    const since = sentAt ? new Date(sentAt.getTime() - 86_400_000).toISOString() : undefined;
    const res = await this.json("GET", (c) =>
      c.campaigns.listWithHttpInfo({
        count: 1000,
        sort_field: "create_time",
        sort_dir: "DESC",
        since_create_time: since,
      }), CampaignListSchema);
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
