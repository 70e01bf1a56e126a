import type { LabProblem } from "./types";

export const NAMESPACE = "homelab";

/** homelab:vms[2].nics[0].ip from ["vms", 2, "nics", 0, "ip"] */
export function configPath(path: ReadonlyArray<PropertyKey>): string {
  let out = NAMESPACE + ":";
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += (i === 0 ? "" : ".") + String(part);
  });
  return out;
}

/** Collects errors and warnings so that one run reports every problem at once. */
export class Problems {
  readonly errors: LabProblem[] = [];
  readonly warnings: LabProblem[] = [];

  error(path: ReadonlyArray<PropertyKey>, message: string): void {
    this.errors.push({ path: configPath(path), message });
  }

  warn(path: ReadonlyArray<PropertyKey>, message: string): void {
    this.warnings.push({ path: configPath(path), message });
  }
}

export function formatProblems(problems: ReadonlyArray<LabProblem>): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}
