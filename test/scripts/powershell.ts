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
