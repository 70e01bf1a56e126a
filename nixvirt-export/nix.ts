// A small printer for Nix values, so that every string the exporter writes is escaped one way.
// (No npm package installed here prints Nix; `nix-instantiate --parse` checks the output in the tests.)

/** A Nix expression written as it stands: a reference, a function call, an operator. */
export class NixCode {
  constructor(readonly text: string) {}
}

export type NixValue = string | number | boolean | null | NixCode | NixValue[] | NixAttrs;
export interface NixAttrs {
  [name: string]: NixValue;
}

export const code = (text: string): NixCode => new NixCode(text);

const KEYWORDS = new Set(["if", "then", "else", "let", "in", "with", "rec", "inherit", "assert", "or"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** A double-quoted Nix string: `\`, `"` and `${` are escaped, as are control characters. */
export function nixString(text: string): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  return `"${escaped}"`;
}

/** An attribute name, quoted when it is not a plain identifier. */
export function nixName(name: string): string {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

/** A Nix path literal (copied into the store when evaluated: use strings for host paths). */
export function nixPath(path: string): NixCode {
  if (!/^\/[A-Za-z0-9._+\-/]*$/.test(path) || path.endsWith("/") || path.includes("//")) {
    throw new Error(`${JSON.stringify(path)} cannot be written as a Nix path literal`);
  }
  return code(path);
}

const WIDTH = 100;

type NixScalar = string | number | boolean | null | NixCode;

function isScalar(value: NixValue): value is NixScalar {
  return value === null || typeof value !== "object" || value instanceof NixCode;
}

function printScalar(value: NixScalar): string {
  if (value === null) return "null";
  if (value instanceof NixCode) return value.text;
  if (typeof value === "string") return nixString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (!Number.isSafeInteger(value)) throw new Error(`${value} is not an integer Nix can hold`);
  return String(value);
}

/** List elements are separated by spaces: anything that is not one token needs parentheses. */
function listElement(text: string, value: NixValue): string {
  const simple = (value instanceof NixCode && /^[A-Za-z0-9_.'"-]+$/.test(text)) || (typeof value === "number" && value >= 0);
  if (simple || !(value instanceof NixCode || typeof value === "number")) return text;
  return `(${text})`;
}

/** Prints a value: short attrsets and lists of scalars on one line, the rest indented by two spaces. */
export function printNix(value: NixValue, indent = ""): string {
  if (isScalar(value)) return printScalar(value);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[ ]";
    const items = value.map((v) => listElement(printNix(v, inner), v));
    const line = `[ ${items.join(" ")} ]`;
    if (value.every(isScalar) && indent.length + line.length <= WIDTH) return line;
    return `[\n${items.map((i) => inner + i).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{ }";
  const bindings = entries.map(([k, v]) => `${nixName(k)} = ${printNix(v, inner)};`);
  const line = `{ ${bindings.join(" ")} }`;
  if (!line.includes("\n") && indent.length + line.length <= WIDTH && entries.every(([, v]) => isScalar(v) || isSmall(v))) return line;
  return `{\n${bindings.map((b) => inner + b).join("\n")}\n${indent}}`;
}

/** A nested attrset of two scalars or fewer still reads well on one line. */
function isSmall(value: NixValue): boolean {
  if (isScalar(value) || Array.isArray(value)) return false;
  const values = Object.values(value);
  return values.length <= 2 && values.every(isScalar);
}
