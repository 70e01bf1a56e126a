/**
 * The test double as a process of its own, for harnesses that run it somewhere the test process
 * is not (e.g. inside a network namespace at a guest's management address):
 *
 *   WINRM_DOUBLE='{"host":"10.56.0.10","port":5985,"password":"...","defaultOutcome":{"exitCode":0},
 *                  "outcomes":[{"synopsis":"Promotes","outcome":{"exitCode":3010}}],
 *                  "recordsFile":"/tmp/dc01.jsonl","forbidden":["<a secret>"]}' \
 *     npx ts-node --transpile-only test/winrm/serve.ts
 *
 * Prints one JSON line {"host","port"} on stdout once listening; stops on SIGTERM or SIGINT.
 * Outcome rules match by "contains" (script text contains it), "regex" (tested on the script
 * text) or "synopsis" (the help block's .SYNOPSIS first line starts with it). With recordsFile,
 * each finished process appends a JSON line: the help synopsis and parameter names of each
 * script run (never values), the exit code, and whether any script block or command line held a
 * string listed in "forbidden" (the harness's secrets).
 */
import { appendFileSync } from "fs";
import { Outcome, OutcomeRule, TestServerOptions, startWinrmTestServer } from "./server";

interface RuleJson {
  contains?: string;
  regex?: string;
  synopsis?: string;
  /** One outcome, or one per matching run (the last repeats). */
  outcome: Outcome | Outcome[];
}

interface Config extends Omit<TestServerOptions, "outcomes" | "tls"> {
  outcomes?: RuleJson[];
  recordsFile?: string;
  forbidden?: string[];
}

function toRule(r: RuleJson, i: number): OutcomeRule {
  if (r.contains !== undefined) return { match: r.contains, outcome: r.outcome };
  if (r.regex !== undefined) return { match: new RegExp(r.regex), outcome: r.outcome };
  if (r.synopsis !== undefined) {
    const prefix = r.synopsis;
    return { match: (run) => run.synopsis?.startsWith(prefix) === true, outcome: r.outcome };
  }
  throw new Error(`WINRM_DOUBLE outcomes[${i}] needs one of contains, regex or synopsis`);
}

async function main(): Promise<void> {
  const text = process.env.WINRM_DOUBLE;
  if (!text) throw new Error("set WINRM_DOUBLE to a JSON object of options (see the header of test/winrm/serve.ts)");
  const { outcomes = [], recordsFile, forbidden = [], ...opts } = JSON.parse(text) as Config;
  const srv = await startWinrmTestServer({ ...opts, outcomes: outcomes.map(toRule) });
  const written = new Set<number>();
  const flush = (): void => {
    if (!recordsFile) return;
    for (const [i, r] of srv.records.entries()) {
      if (written.has(i) || r.exitCode === undefined) continue;
      written.add(i);
      const texts = [r.commandLine, ...r.scriptBlocks];
      appendFileSync(
        recordsFile,
        JSON.stringify({
          runs: r.runs.map((run) => ({ synopsis: run.synopsis ?? null, params: Object.keys(run.params).sort() })),
          exitCode: r.exitCode,
          forbiddenSeen: forbidden.some((f) => texts.some((t) => t.includes(f))),
        }) + "\n",
      );
    }
  };
  const timer = setInterval(flush, 200);
  process.stdout.write(JSON.stringify({ host: srv.host, port: srv.port }) + "\n");
  const stop = (): void => {
    clearInterval(timer);
    flush();
    void srv.stop().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`winrm double: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
