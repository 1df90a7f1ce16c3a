// Runs a benchmark's SQL file through psql with its variables (-v name=value), as its run.sh would.

/** Runs `file` (a URL, e.g. new URL("./generate.sql", import.meta.url)) against `dbUrl`; throws with psql's error. */
export async function psqlFile(
  dbUrl: string,
  file: URL,
  vars: Record<string, string | number>,
): Promise<void> {
  const args = [dbUrl, "-X", "-q", "-v", "ON_ERROR_STOP=1"];
  for (const [k, v] of Object.entries(vars)) args.push("-v", `${k}=${v}`);
  args.push("-f", file.pathname);
  const out = await new Deno.Command("psql", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`psql ${file.pathname}: ${new TextDecoder().decode(out.stderr)}`);
  }
}
