/**
 * `deno task bench`: runs every bench/*_bench.ts as its own process (so one benchmark's state
 * cannot colour another's) and prints their output. Each writes JSON to artifacts/bench/.
 */
const dir = new URL(".", import.meta.url).pathname;
const only = Deno.args.filter((a) => !a.startsWith("-"));
const files = [...Deno.readDirSync(dir)]
  .map((e) => e.name)
  .filter((n) => n.endsWith("_bench.ts") && (only.length === 0 || only.some((o) => n.includes(o))))
  .sort();
await Deno.mkdir("artifacts/bench", { recursive: true });
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${dir}${f}`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    failed++;
    console.log(`${f} exited with ${code}`);
  }
}
Deno.exit(failed ? 1 : 0);
