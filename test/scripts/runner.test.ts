// The runner's contract, read from its syntax tree (no PowerShell runtime exists here): the task
// runs elevated as the given account, the credential goes to the Task Scheduler only, the task and
// the work files go in a finally, a leftover task is removed first, the wait is bounded, and a task
// that does not start is an error. Each check is also run on a copy with the safeguard removed,
// which it must reject.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Node, Parser } from "web-tree-sitter";
import { PROJECT_DIR } from "../support/stacks";
import { checkRules, listScripts, powershellParser } from "./powershell";

const RUNNER = readFileSync(join(PROJECT_DIR, "scripts", "modules", "Runner.psm1"), "utf8");
let parser: Parser;
beforeAll(async () => {
  parser = await powershellParser();
});

function* descendants(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) if (child) yield* descendants(child);
}

const fn = (source: string, name: string): Node => {
  const root = parser.parse(source)!.rootNode;
  const f = [...descendants(root)].find((n) => n.type === "function_statement" && n.children.some((c) => c?.type === "function_name" && c.text === name));
  if (!f) throw new Error(`no function ${name}`);
  return f;
};
const commands = (n: Node, name: string): Node[] => [...descendants(n)].filter((d) => d.type === "command" && d.children.find((c) => c?.type === "command_name")?.text === name);

/** The problems of Invoke-LabRunner as written in `source`; [] when it keeps the contract. */
function contractProblems(source: string): string[] {
  const problems: string[] = [];
  const run = fn(source, "Invoke-LabRunner");
  const register = commands(run, "Register-ScheduledTask");
  if (register.length !== 1) problems.push("registers exactly one task");
  for (const r of register) {
    if (!/-RunLevel\s+Highest/.test(r.text)) problems.push("runs with highest privileges");
    if (!/-User\s+\$Credential\.UserName/.test(r.text)) problems.push("runs as the given account");
    if (!/-Password\s+\$network\.Password/.test(r.text)) problems.push("takes the password from the credential, not a literal");
  }
  const finallies = [...descendants(run)].filter((n) => n.type === "finally_clause");
  const cleanup = finallies.filter((f) => commands(f, "Unregister-ScheduledTask").length > 0 && commands(f, "Remove-Item").length > 0);
  if (cleanup.length === 0) problems.push("unregisters the task and removes the work files in a finally");
  const clearsPassword = finallies.some((f) => /\$network\s*=\s*\$null/.test(f.text));
  if (!clearsPassword) problems.push("drops the plain password right after registering");
  const first = commands(run, "Remove-LabRunnerLeftover")[0];
  const registerAt = register[0]?.startIndex ?? 0;
  if (!first || first.startIndex > registerAt) problems.push("removes a leftover task before registering");
  if (!/did not start within/.test(run.text)) problems.push("says when the task does not start");
  if (!/still ran after .* and was stopped/.test(run.text) || commands(run, "Stop-ScheduledTask").length === 0) problems.push("stops the task at the timeout");
  for (const w of ["Set-Content", "Add-Content", "Out-File"]) {
    for (const c of commands(run, w)) if (/Password|Secret/i.test(c.text)) problems.push(`writes a secret with ${w}`);
  }
  const leftovers = fn(source, "Remove-LabRunnerLeftover");
  if (commands(leftovers, "Unregister-ScheduledTask").length === 0) problems.push("Remove-LabRunnerLeftover unregisters");
  return problems;
}

test("Runner.psm1 follows the house rules and the runner contract", () => {
  const tree = parser.parse(RUNNER)!;
  expect(checkRules(tree.rootNode, "Runner.psm1")).toEqual([]);
  expect(contractProblems(RUNNER)).toEqual([]);
});

test.each([
  ["unregisters the task and removes the work files in a finally", (s: string) => s.replace(/Unregister-ScheduledTask -TaskPath \$script:TaskPath -TaskName \$Name -Confirm:\$false -ErrorAction SilentlyContinue/, "Write-LabLog -Message 'kept'")],
  ["runs with highest privileges", (s: string) => s.replace("-RunLevel Highest `", "-RunLevel Limited `")],
  ["takes the password from the credential, not a literal", (s: string) => s.replace("-Password $network.Password", "-Password 'x'")],
  ["removes a leftover task before registering", (s: string) => s.replace("    Remove-LabRunnerLeftover -WaitSeconds $TimeoutSeconds\n", "")],
  ["drops the plain password right after registering", (s: string) => s.replace("$network = $null", "$unused = $null")],
  ["stops the task at the timeout", (s: string) => s.replace(/Stop-ScheduledTask/g, "Write-Output")],
  ["writes a secret with Set-Content", (s: string) => s.replace("$registered = $true", "$registered = $true\n        Set-Content -LiteralPath 'C:\\Lab\\p.txt' -Value ($Credential.GetNetworkCredential().Password)")],
])("a runner that breaks '%s' is rejected", (problem, mutate) => {
  const broken = mutate(RUNNER);
  expect(broken).not.toBe(RUNNER);
  expect(contractProblems(broken)).toContain(problem);
});

test("the wrapper the task runs is built from quoted literals only: a quote in a path is doubled", () => {
  // The wrapper text is generated at run time; its quoting function doubles single quotes (PowerShell's escape inside '...').
  expect(RUNNER).toContain(`$quote = { param([string]$s) "'" + ($s -replace "'", "''") + "'" }`);
});

test("every script is ASCII: the runner writes script blocks through Write-LabAsciiFile, which refuses anything else", () => {
  const nonAscii = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) > 0x7f);
  expect(nonAscii("Write-Output 'caf\u00e9'")).toBe(true);
  expect(listScripts(join(PROJECT_DIR, "scripts")).filter((f) => nonAscii(readFileSync(f, "utf8")))).toEqual([]);
});
