// Checks an answer file against the allow-list of reference.ts: every (pass, component, setting)
// documented, component attributes exact, list items marked wcm:action="add", the TCPIP child
// order, the documented length limits, and passwords encoded (PlainText false) with the right suffix.
import { XMLParser } from "fast-xml-parser";
import { decodeUnattendPassword } from "./password";
import { ALLOWED, CHILD_ORDER, COMPONENT_ATTRIBUTES, KEYED_ITEMS, LIMITS, LIST_ITEMS, Pass, UNATTEND_NAMESPACE, WCM_NAMESPACE } from "./reference";

type Node = Record<string, unknown> & { ":@"?: Record<string, string> };

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: "", parseTagValue: false, trimValues: true });

const tagOf = (node: Node): string | undefined => Object.keys(node).find((k) => k !== ":@" && k !== "#text" && k !== "?xml");
const childrenOf = (node: Node, tag: string): Node[] => (node[tag] as Node[]) ?? [];
const textOf = (node: Node, tag: string): string | undefined => {
  const t = childrenOf(node, tag).find((c) => "#text" in c);
  return t ? String(t["#text"]) : undefined;
};

export interface CheckOptions {
  /** A readable copy (npm run render): password values are the placeholder, not encodings. */
  placeholder?: string;
}

/** Problems found, each naming the pass, component and setting path; empty when the file is fine. */
export function checkAnswerFile(xml: string, options: CheckOptions = {}): string[] {
  const problems: string[] = [];
  const doc = parser.parse(xml) as Node[];
  const roots = doc.filter((n) => tagOf(n) !== undefined);
  if (roots.length !== 1 || tagOf(roots[0]) !== "unattend") return ["the root element is not <unattend>"];
  const root = roots[0];
  if (root[":@"]?.xmlns !== UNATTEND_NAMESPACE) problems.push(`<unattend> has namespace ${root[":@"]?.xmlns}, not ${UNATTEND_NAMESPACE}`);
  if (root[":@"]?.["xmlns:wcm"] !== WCM_NAMESPACE) problems.push(`<unattend> does not declare xmlns:wcm as ${WCM_NAMESPACE}`);
  const seenPasses = new Set<string>();
  for (const settings of childrenOf(root, "unattend")) {
    const tag = tagOf(settings);
    if (tag === undefined) continue;
    if (tag !== "settings") {
      problems.push(`<${tag}> under <unattend> is not <settings>`);
      continue;
    }
    const pass = settings[":@"]?.pass ?? "";
    if (!(pass in ALLOWED)) {
      problems.push(`pass ${pass} is not one this lab uses`);
      continue;
    }
    if (seenPasses.has(pass)) problems.push(`pass ${pass} appears twice`);
    seenPasses.add(pass);
    const seenComponents = new Set<string>();
    for (const comp of childrenOf(settings, "settings")) {
      if (tagOf(comp) !== "component") {
        problems.push(`${pass}: <${tagOf(comp)}> is not a <component>`);
        continue;
      }
      const attrs = comp[":@"] ?? {};
      const name = attrs.name ?? "";
      const reference = ALLOWED[pass as Pass][name];
      if (!reference) {
        problems.push(`${pass}: component ${name} is not allowed in this pass`);
        continue;
      }
      if (seenComponents.has(name)) problems.push(`${pass}: component ${name} appears twice`);
      seenComponents.add(name);
      for (const [key, value] of Object.entries(COMPONENT_ATTRIBUTES)) {
        if (attrs[key] !== value) problems.push(`${pass}/${name}: ${key}="${attrs[key]}", expected "${value}"`);
      }
      const extra = Object.keys(attrs).filter((k) => k !== "name" && !(k in COMPONENT_ATTRIBUTES) && !k.startsWith("xmlns"));
      if (extra.length > 0) problems.push(`${pass}/${name}: unexpected attributes ${extra.join(", ")}`);
      walk(comp, "component", name, [], pass, reference.settings, problems, options);
    }
  }
  return problems;
}

function walk(node: Node, tag: string, component: string, path: string[], pass: string, allowed: string[], problems: string[], options: CheckOptions): void {
  const where = `${pass}/${component}/${path.join("/")}`;
  const kids = childrenOf(node, tag).filter((c) => tagOf(c) !== undefined);
  const order = CHILD_ORDER[[component, ...path].join("/")];
  if (order) {
    const positions = kids.map((k) => order.indexOf(tagOf(k)!));
    if (positions.some((p, i) => p < 0 || (i > 0 && p < positions[i - 1]))) {
      problems.push(`${where}: children ${kids.map(tagOf).join(", ")} are not in the documented order ${order.join(", ")}`);
    }
  }
  if (kids.length === 0) {
    const setting = path.join("/");
    if (!allowed.includes(setting)) {
      problems.push(`${where}: not a documented setting of ${component} in ${pass}`);
      return;
    }
    checkValue(setting, textOf(node, tag), where, problems, options);
    return;
  }
  for (const kid of kids) {
    const kidTag = tagOf(kid)!;
    const attrs = kid[":@"] ?? {};
    if (LIST_ITEMS.has(kidTag) && attrs["wcm:action"] !== "add") problems.push(`${where}/${kidTag}: a list item without wcm:action="add"`);
    if (KEYED_ITEMS.has(kidTag) && !attrs["wcm:keyValue"]) problems.push(`${where}/${kidTag}: a keyed item without wcm:keyValue`);
    const nextPath = [...path, kidTag];
    if (!allowed.some((s) => s === nextPath.join("/") || s.startsWith(`${nextPath.join("/")}/`))) {
      problems.push(`${pass}/${component}/${nextPath.join("/")}: not a documented setting of ${component} in ${pass}`);
      continue;
    }
    walk(kid, kidTag, component, nextPath, pass, allowed, problems, options);
  }
}

function checkValue(setting: string, value: string | undefined, where: string, problems: string[], options: CheckOptions): void {
  // Every setting we write has a value; the reference marks most string settings "does not support empty elements".
  if (value === undefined || value === "") {
    problems.push(`${where}: empty`);
    return;
  }
  if (setting === "ComputerName" && (value.length > LIMITS.computerName || !/^[A-Za-z0-9-]+$/.test(value) || /^\d+$/.test(value))) {
    problems.push(`${where}: "${value}" is not a computer name of at most ${LIMITS.computerName} letters, digits and '-'`);
  }
  if (setting.endsWith("/CommandLine") && value.length > LIMITS.commandLine)
    problems.push(`${where}: ${value.length} characters, more than ${LIMITS.commandLine}`);
  if (setting.endsWith("RunSynchronousCommand/Path") && value.length > LIMITS.runSynchronousPath)
    problems.push(`${where}: ${value.length} characters, more than ${LIMITS.runSynchronousPath}`);
  if (setting.endsWith("/PlainText") && value !== "false") problems.push(`${where}: passwords are written encoded, with PlainText false`);
  if (setting.endsWith("Password/Value") && value !== options.placeholder) {
    const suffix = setting === "UserAccounts/AdministratorPassword/Value" ? "AdministratorPassword" : "Password";
    try {
      decodeUnattendPassword(value, suffix);
    } catch {
      problems.push(`${where}: not base64 of UTF-16LE password + "${suffix}"`);
    }
  }
}
