// The deploy walkthrough (dev/deploy.sh, `npm run deploy`) as far as this machine can take it without a
// network: the steps that talk to Supabase's API (link, functions deploy, secrets set) are checked in
// --dry-run by the commands they print; the database steps run for real, with the same script, against a
// database shaped like a hosted project's before our migrations (dev/hosted-db.sh: bootstrap superuser
// supabase_admin, `postgres` with no superuser, as `supabase db push` runs there). Then every pg_cron job's
// command, run as the job's user, queues a POST to the project URL stored in Vault with the stored key:
// queued only (net.http_request_queue), nothing is sent.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

const repo = fileURLToPath(new URL("../../", import.meta.url));

async function sh(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("bash", {
    args,
    cwd: repo,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** The commands a run printed (lines starting "+ "), each as one string (SQL keeps its newlines). */
function commandsOf(stdout: string): string[] {
  return stdout.split(/^\+ /m).slice(1).map((c) => c.trimEnd());
}

const ref = "abcdefghijklmnopqrst";
const key = "sb_secret_test-only-key";

Deno.test("deploy --dry-run prints each hosted step's command and never the keys", async () => {
  const run = await sh(
    [
      "dev/deploy.sh",
      "--project-ref",
      ref,
      "--service-key",
      key,
      "--secret",
      "PUBLISH_BUDGET_MS=50000",
      "--dry-run",
    ],
  );
  assert.equal(run.code, 0, run.stderr);
  const commands = commandsOf(run.stdout);
  const cli = "node_modules/.bin/supabase";
  assert.deepEqual(commands.slice(0, 4), [
    `${cli} link --project-ref ${ref}`,
    `${cli} db push --linked --include-all --yes`,
    `${cli} functions deploy --project-ref ${ref} --use-api`,
    `${cli} secrets set --project-ref ${ref} 'PUBLISH_BUDGET_MS=***'`,
  ]);
  assert.equal(commands.length, 5);
  assert.ok(commands[4].startsWith(`${cli} db query --linked 'do $deploy$`), commands[4]);
  assert.match(commands[4], /\$value\$https:\/\/abcdefghijklmnopqrst\.supabase\.co\$value\$/);
  assert.match(commands[4], /\$n\$service_role_key\$n\$, \$value\$\*\*\*\$value\$/);
  assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), "the key is printed");
  assert.ok(!run.stdout.includes("50000"), "a secret's value is printed");
});

Deno.test("deploy refuses a malformed project ref and asks before a real run without a terminal", async () => {
  const bad = await sh(["dev/deploy.sh", "--project-ref", "not-a-ref", "--dry-run"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /20 lower-case letters and digits/);
  const unattended = await sh(["dev/deploy.sh", "--project-ref", ref, "--service-key", key]);
  assert.equal(unattended.code, 2);
  assert.match(unattended.stderr, /pass --yes/);
});

Deno.test("migrations, Vault and cron jobs on a hosted-shaped database, through dev/deploy.sh", async (t) => {
  // A port of this test stack's own range (its cluster's + 40), free while the stack's lock is held.
  const stackDb = new URL(Deno.env.get("SUPABASE_DB_URL")!);
  const port = Number(stackDb.port) + 40;
  const dir = await Deno.makeTempDir({ prefix: "hosted-db-" });
  await Deno.chmod(dir, 0o755); // the cluster runs as the postgres user when root runs the tests
  const started = await sh(["dev/hosted-db.sh", "start", join(dir, "cluster"), String(port)]);
  assert.equal(started.code, 0, started.stderr);
  const dbUrl = started.stdout.trim();
  const admin = postgres(dbUrl.replace("postgres:hosted@", "supabase_admin@"), {
    max: 1,
    onnotice: () => {},
  });
  const asPostgres = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const projectUrl = "http://127.0.0.1:9/project";
  const deploy = (serviceKey: string) =>
    sh([
      "dev/deploy.sh",
      "--db-url",
      `${dbUrl}?sslmode=disable`,
      "--project-url",
      projectUrl,
      "--service-key",
      serviceKey,
      "--yes",
    ]);
  try {
    await t.step("the database is shaped as hosted: postgres is no superuser", async () => {
      const roles = await admin`
        select rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles
         where rolname in ('postgres', 'supabase_admin') order by rolname`;
      assert.deepEqual(roles.map((r) => ({ ...r })), [
        {
          rolname: "postgres",
          rolsuper: false,
          rolcreaterole: true,
          rolcreatedb: true,
          rolbypassrls: true,
        },
        {
          rolname: "supabase_admin",
          rolsuper: true,
          rolcreaterole: true,
          rolcreatedb: true,
          rolbypassrls: true,
        },
      ]);
      const [schemas] = await admin`
        select (select nspowner::regrole::text from pg_namespace where nspname = 'extensions') as extensions,
               (select nspowner::regrole::text from pg_namespace where nspname = 'public') as public,
               (select nspowner::regrole::text from pg_namespace where nspname = 'auth') as auth,
               (select extnamespace::regnamespace::text from pg_extension where extname = 'pgcrypto') as pgcrypto`;
      assert.deepEqual({ ...schemas }, {
        extensions: "postgres",
        public: "postgres",
        auth: "supabase_auth_admin",
        pgcrypto: "extensions",
      });
    });

    await t.step(
      "the script pushes every migration as postgres and stores the Vault entries",
      async () => {
        const run = await deploy("first-key");
        assert.equal(run.code, 0, run.stdout + run.stderr);
        const commands = commandsOf(run.stdout);
        assert.equal(commands.length, 2, run.stdout);
        assert.equal(
          commands[0],
          `node_modules/.bin/supabase db push --db-url 'postgresql://postgres:***@127.0.0.1:${port}/postgres?sslmode=disable' --include-all --yes`,
        );
        assert.ok(!run.stdout.includes("first-key"), "the key is printed");
        const applied =
          await admin`select version from supabase_migrations.schema_migrations order by version`;
        const files = [...Deno.readDirSync(join(repo, "supabase", "migrations"))]
          .map((e) => e.name.split("_")[0]).sort();
        assert.deepEqual(applied.map((r) => r.version), files);
        const owners = await admin`
        select distinct pg_get_userbyid(c.relowner) as owner from pg_class c
          join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'`;
        assert.deepEqual(owners.map((r) => r.owner), ["postgres"]);
      },
    );

    await t.step("re-running changes the key in place and applies nothing twice", async () => {
      const before = await admin`select id, name from vault.secrets order by name`;
      const applied = await admin`select version from supabase_migrations.schema_migrations`;
      const run = await deploy(key);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stderr, /Remote database is up to date/);
      const secrets = await admin`
        select id, name, decrypted_secret from vault.decrypted_secrets order by name`;
      assert.deepEqual(secrets.map((r) => ({ ...r })), [
        { id: before[0].id, name: "project_url", decrypted_secret: projectUrl },
        { id: before[1].id, name: "service_role_key", decrypted_secret: key },
      ]);
      const after = await admin`select version from supabase_migrations.schema_migrations`;
      assert.equal(after.length, applied.length);
    });

    await t.step("a migration that needs a superuser fails to push here", async () => {
      // The same push, from a project whose one new migration changes a server setting: allowed to a
      // superuser only, so it passes on the local stack and fails on hosted.
      const project = join(dir, "project");
      await Deno.mkdir(join(project, "supabase", "migrations"), { recursive: true });
      for (const file of Deno.readDirSync(join(repo, "supabase", "migrations"))) {
        await Deno.copyFile(
          join(repo, "supabase", "migrations", file.name),
          join(project, "supabase", "migrations", file.name),
        );
      }
      await Deno.writeTextFile(
        join(project, "supabase", "migrations", "29991231000000_needs_superuser.sql"),
        "alter system set work_mem = '8MB';\n",
      );
      const out = await new Deno.Command(join(repo, "node_modules", ".bin", "supabase"), {
        args: ["db", "push", "--db-url", `${dbUrl}?sslmode=disable`, "--include-all", "--yes"],
        cwd: project,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.success, false, output);
      assert.match(output, /permission denied to set parameter "work_mem"|must be superuser/);
    });

    await t.step(
      "each cron job, run as its user, queues a POST to its function with the key",
      async () => {
        // Something for the sweep job to find (it calls its function only then).
        await asPostgres.begin(async (sql) => {
          const [client] =
            await sql`insert into public.clients (name) values ('Deploy check') returning id`;
          const [content] = await sql`
          insert into public.generated_content (client_id, content) values (${client.id}, 'Body') returning id`;
          await sql`
          insert into public.distribution_requests (client_id, content_id) values (${client.id}, ${content.id})`;
        });
        const jobs = await admin`select jobname, username, command from cron.job order by jobname`;
        assert.ok(jobs.length >= 7, `${jobs.length} cron jobs`);
        const calls: string[] = [];
        for (const job of jobs) {
          assert.equal(job.username, "postgres", job.jobname);
          const called = job.command.match(/invoke_edge_function\('([a-z-]+)'/)?.[1];
          const rows = await asPostgres.unsafe(job.command);
          if (!called) continue;
          assert.equal(rows.length, 1, `${job.jobname} queued nothing`);
          const id = Object.values(rows[0])[0];
          const [request] = await admin`
          select method, url, headers from net.http_request_queue where id = ${id as string}`;
          assert.deepEqual({ ...request }, {
            method: "POST",
            url: `${projectUrl}/functions/v1/${called}`,
            headers: { "Content-Type": "application/json", "Authorization": `Bearer ${key}` },
          }, job.jobname);
          calls.push(called);
        }
        assert.deepEqual(calls.sort(), [
          "ab-tests",
          "deliver-webhooks",
          "learn-posting-times",
          "metrics",
          "process-distribution-requests",
          "publish",
          "renew-tokens",
        ]);
      },
    );
  } finally {
    await asPostgres.end();
    await admin.end();
    await sh(["dev/hosted-db.sh", "stop", join(dir, "cluster")]);
    await Deno.remove(dir, { recursive: true });
  }
});
