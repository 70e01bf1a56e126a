// A test that needs a tool fails, naming the tool and its Debian package, when the tool is missing:
// it never passes or skips quietly (CI installs every tool: .ci/run APT_PACKAGES).
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Where `tool` is on PATH, or undefined. */
export function findOnPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Throws one error naming every missing tool and the package that has it. */
export function requireTools(tools: Record<string, string>): void {
  const missing = Object.entries(tools).filter(([tool]) => findOnPath(tool) === undefined);
  if (missing.length > 0) throw new Error(`missing tools: ${missing.map(([tool, pkg]) => `${tool} (apt-get install ${pkg})`).join(", ")}`);
}
