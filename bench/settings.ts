// The benchmarks' settings: the variables each bench's run.sh exports (stack URLs, state directory)
// and the numeric knobs with their defaults.

/** A variable `script` exports; missing means the benchmark was started without it. */
export function required(name: string, script: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set (run ${script})`);
  return value;
}

/** A numeric setting from the environment, or its default. */
export function setting(name: string, fallback: number): number {
  return Number(Deno.env.get(name) ?? fallback);
}
