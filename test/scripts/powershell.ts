// Parses PowerShell with tree-sitter-powershell (WASM) and checks the house rules on the tree.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Language, Node, Parser } from "web-tree-sitter";

let parser: Parser | undefined;

export async function powershellParser(): Promise<Parser> {
  if (parser) return parser;
  await Parser.init();
  // Bytes, not a path: loading by path needs a dynamic import that jest's CommonJS sandbox refuses.
  const language = await Language.load(readFileSync(require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm")));
  parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

export function listScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listScripts(path);
    return /\.ps(m?)1$/.test(name) ? [path] : [];
  }).sort();
}

function* descendants(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) if (child) yield* descendants(child);
}

const within = (node: Node, type: string): boolean => {
  for (let p = node.parent; p; p = p.parent) if (p.type === type) return true;
  return false;
};

export interface Finding {
  rule: string;
  line: number;
  text: string;
}

const IPV4 = /(?<![\d.])(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])/;
const SECRET_NAME = /pass(word)?|pwd|secret/i;

function syntaxErrors(root: Node): Finding[] {
  return [...descendants(root)]
    .filter((n) => n.type === "ERROR" || n.isMissing)
    .map((n) => ({ rule: n.isMissing ? "missing node" : "syntax error", line: n.startPosition.row + 1, text: n.text.slice(0, 80) }));
}

function commandsNamed(root: Node, name: string): Node[] {
  return [...descendants(root)].filter((n) => n.type === "command" && n.childForFieldName("command_name")?.text.toLowerCase() === name.toLowerCase()
    || (n.type === "command" && n.children.find((c) => c?.type === "command_name")?.text.toLowerCase() === name.toLowerCase()));
}

/** Statements directly at the top of the script (not inside functions or script blocks). */
function topLevelStatements(root: Node): Node[] {
  const list = root.children.find((c) => c?.type === "statement_list");
  return list ? list.children.filter((c): c is Node => c !== null) : [];
}

const INSTALLER = /(^|[^A-Za-z0-9])(setup\.exe|setupdl|adk(winpe)?setup|msiexec|setup)(?![A-Za-z0-9])/i;
const PROCESS_STARTERS = /^(Start-Process|Invoke-LabProcess|Invoke-Expression|iex|cmd|cmd\.exe)$/i;
const LOCAL_COMPUTER = /^(\$env:COMPUTERNAME|['"]?(localhost|\.|127\.0\.0\.1|::1)['"]?|\$env:COMPUTERNAME\.\S*)$/i;
/** Probes that prove a service answers, not merely that it exists. */
const ANSWER_PROBES = /^(Test-LabSqlAnswers|Test-LabSccmSite|Test-LabManagementPoint|Test-ClientRegistered|Invoke-SqlScalar)$/i;

const commandName = (n: Node): string => n.children.find((c) => c?.type === "command_name")?.text
  ?? n.children.find((c) => c?.type === "command_name_expr")?.text ?? "";

/** The elements of a command after its name: parameters and arguments, separators dropped. */
function commandElements(n: Node): Node[] {
  const elements = n.children.find((c) => c?.type === "command_elements");
  return elements ? elements.children.filter((c): c is Node => c !== null && c.type !== "command_argument_sep") : [];
}

/** The value given to a parameter (-Name value or -Name:value), if any. */
function parameterValue(n: Node, name: RegExp): string | undefined {
  const elements = commandElements(n);
  for (let i = 0; i < elements.length; i++) {
    const text = elements[i].text;
    if (elements[i].type !== "command_parameter") continue;
    const colon = /^(-[A-Za-z]+):(.+)$/.exec(text);
    if (colon && name.test(colon[1])) return colon[2];
    if (name.test(text.replace(/:$/, ""))) return elements[i + 1]?.text;
  }
  return undefined;
}

/** The condition of an if_statement (the pipeline between its parentheses). */
const ifCondition = (n: Node): Node | undefined => n.children.find((c) => c?.type === "pipeline") ?? undefined;

/** Variables assigned (or defaulted) from an expression matching `source` anywhere in the file. */
function variablesFrom(root: Node, source: (right: Node) => boolean): Set<string> {
  const names = new Set<string>();
  for (const n of descendants(root)) {
    if (n.type === "assignment_expression") {
      const left = n.children.find((c) => c?.type === "left_assignment_expression");
      const right = n.children.filter((c): c is Node => c !== null && c !== left && c.type !== "assignement_operator" && c.type !== "=");
      if (left && right.some(source)) names.add(left.text.toLowerCase());
    }
    if (n.type === "script_parameter") {
      const variable = n.children.find((c) => c?.type === "variable");
      const def = n.children.find((c) => c?.type === "script_parameter_default");
      if (variable && def && source(def)) names.add(variable.text.toLowerCase());
    }
  }
  return names;
}

export function checkRules(root: Node, file: string): Finding[] {
  const findings: Finding[] = syntaxErrors(root);
  const at = (rule: string, node: Node): Finding => ({ rule, line: node.startPosition.row + 1, text: node.text.split("\n")[0].slice(0, 100) });
  const isModule = file.endsWith(".psm1");
  const top = root.children.filter((c): c is Node => c !== null);

  const paramIndex = top.findIndex((c) => c.type === "param_block");
  if (paramIndex < 0) findings.push({ rule: "param() block at the top of the script", line: 1, text: "" });
  const help = top.slice(0, Math.max(paramIndex, 1)).find((c) => c.type === "comment" && /\.SYNOPSIS/.test(c.text));
  if (!help) findings.push({ rule: "comment-based help (.SYNOPSIS) before param()", line: 1, text: "" });

  const statements = topLevelStatements(root);
  const strict = statements.some((s) => /^Set-StrictMode\s+-Version\s+Latest\b/i.test(s.text));
  if (!strict) findings.push({ rule: "Set-StrictMode -Version Latest at the top level", line: 1, text: "" });
  const stop = statements.some((s) => s.type === "pipeline" && /^\$ErrorActionPreference\s*=\s*['"]Stop['"]$/i.test(s.text.trim()));
  if (!stop) findings.push({ rule: "$ErrorActionPreference = 'Stop' at the top level", line: 1, text: "" });

  const commandNames = [...descendants(root)].filter((n) => n.type === "command_name").map((n) => n.text);
  if (file.endsWith("Logger.psm1")) {
    if (!/function\s+Write-LabLog\b/.test(root.text)) findings.push({ rule: "Logger defines Write-LabLog", line: 1, text: "" });
  } else {
    const imports = commandsNamed(root, "Import-Module").some((c) => /Logger\.psm1/.test(c.text));
    if (!isModule && !imports) findings.push({ rule: "imports the Logger module", line: 1, text: "" });
    if (!commandNames.some((n) => /^(Write-LabLog|Invoke-LabPhase)$/i.test(n))) findings.push({ rule: "logs through the Logger module", line: 1, text: "" });
    const phases = commandNames.filter((n) => /^Invoke-LabPhase$/i.test(n)).length;
    if (!isModule && phases !== 1) findings.push({ rule: "ends through Invoke-LabPhase exactly once (house exit codes)", line: 1, text: `${phases} calls` });
  }

  // Issue 11 rule classes.
  const localNames = variablesFrom(root, (r) => /\$env:COMPUTERNAME/i.test(r.text));
  const serviceVars = variablesFrom(root, (r) => [...descendants(r)].some((d) => d.type === "command_name" && /^Get-Service$/i.test(d.text)));
  for (const n of descendants(root)) {
    if (n.type === "command") {
      const name = commandName(n);
      const target = parameterValue(n, /^-ComputerName$/i) ?? parameterValue(n, /^-CN$/i);
      if (target !== undefined && (LOCAL_COMPUTER.test(target) || localNames.has(target.toLowerCase()))) {
        findings.push(at("no -ComputerName with the local computer (a WS-Man hop back into this machine)", n));
      }
      const invoked = n.children.some((c) => c?.type === "command_invokation_operator");
      const rest = commandElements(n).map((e) => e.text).join(" ");
      if ((PROCESS_STARTERS.test(name) && INSTALLER.test(rest)) || (invoked && INSTALLER.test(name)) || (!invoked && /^(setup(dl)?|adk(winpe)?setup|msiexec)(\.exe)?$/i.test(name))) {
        findings.push(at("installers only through the runner (Invoke-LabRunner / Invoke-LabInstaller)", n));
      }
    }
    if (n.type === "element_access") {
      const index = n.children.filter((c): c is Node => c !== null && c.type !== "[" && c.type !== "]").slice(1);
      const slices = index.some((i) => [...descendants(i)].some((d) => d.type === "range_expression" && d.children.some((c) => c?.type === "..")
        && /\.(Count|Length)\s*-\s*1/i.test(d.children[d.children.length - 1]?.text ?? "")));
      let guarded = false;
      for (let p = n.parent; p; p = p.parent) {
        if (p.type === "if_statement" && /\.(Count|Length)\s*-(gt|ge|ne)\b/i.test(ifCondition(p)?.text ?? "")) guarded = true;
      }
      if (slices && !guarded) findings.push(at("no unguarded slice $a[$i..($a.Count-1)] (counts down when nothing is new; StrictMode throws)", n));
    }
    if (n.type === "if_statement") {
      const condition = ifCondition(n)?.text ?? "";
      const exists = [...serviceVars].some((v) => {
        const name = v.replace(/[$]/g, "\\$");
        return new RegExp(`\\$null\\s*-ne\\s*${name}\\b|${name}\\s*-ne\\s*\\$null`, "i").test(condition);
      })
        || /(^|[^-\w])Get-Service\b/i.test(condition);
      const block = n.children.find((c) => c?.type === "statement_block");
      if (exists && block) {
        const answered = (x: Node): boolean => {
          for (let p = x.parent; p && p !== block; p = p.parent) {
            if (p.type === "if_statement" && [...descendants(ifCondition(p) ?? p)].some((d) => d.type === "command_name" && ANSWER_PROBES.test(d.text))) return true;
          }
          return false;
        };
        for (const r of descendants(block)) {
          if (r.type === "command" && /^New-LabResult$/i.test(commandName(r)) && /^(Done|AlreadyDone)$/i.test(commandElements(r)[0]?.text ?? "") && !answered(r)) {
            findings.push(at("a service that exists is not done: probe that it answers", r));
          }
        }
      }
    }
  }

  for (const n of descendants(root)) {
    if (n.childCount === 0 && n.type !== "comment" && !within(n, "comment") && IPV4.test(n.text)) findings.push(at("no literal IPv4 address", n));
    if (n.type === "assignment_expression") {
      const left = n.children.find((c) => c?.type === "left_assignment_expression");
      const right = n.children.filter((c): c is Node => c !== null && c !== left);
      if (left && SECRET_NAME.test(left.text) && right.some((r) => [...descendants(r)].some((d) => d.type === "string_literal"))) {
        findings.push(at("no literal password", n));
      }
    }
    if (n.type === "script_parameter") {
      const variable = n.children.find((c) => c?.type === "variable");
      const def = n.children.find((c) => c?.type === "script_parameter_default");
      if (variable && def && SECRET_NAME.test(variable.text) && [...descendants(def)].some((d) => d.type === "string_literal")) {
        findings.push(at("no literal password", n));
      }
    }
    if (n.type === "hash_entry") {
      const key = n.children[0];
      if (key && SECRET_NAME.test(key.text) && [...descendants(n)].some((d) => d.type === "string_literal")) findings.push(at("no literal password", n));
    }
    if (n.type === "command" && /^ConvertTo-SecureString$/i.test(n.children.find((c) => c?.type === "command_name")?.text ?? "")
      && /-AsPlainText/i.test(n.text) && [...descendants(n)].some((d) => d.type === "string_literal")) {
      findings.push(at("no literal password", n));
    }
  }
  return findings;
}

export function relativeTo(root: string, path: string): string {
  return relative(root, path).split("\\").join("/");
}

export interface ScriptParameter {
  name: string;
  type: string;
  mandatory: boolean;
}

/** The parameters of a script's top-level param() block, read from the tree. */
export function scriptParameters(root: Node): ScriptParameter[] {
  const block = root.children.find((c) => c?.type === "param_block");
  if (!block) return [];
  return [...descendants(block)].filter((n) => n.type === "script_parameter").map((p) => {
    const attributes = p.children.find((c) => c?.type === "attribute_list");
    const typeLiteral = attributes ? [...descendants(attributes)].find((d) => d.type === "type_literal") : undefined;
    return {
      name: p.children.find((c) => c?.type === "variable")!.text.slice(1),
      type: typeLiteral ? typeLiteral.text.replace(/^\[|\]$/g, "").toLowerCase() : "object",
      mandatory: attributes ? /\[Parameter\([^)]*Mandatory/i.test(attributes.text) : false,
    };
  });
}
