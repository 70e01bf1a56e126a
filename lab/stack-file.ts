// Reads Pulumi.<stack>.yaml (and the defaults declared in Pulumi.yaml) the way the Pulumi
// engine hands config to the program, for the commands that run without a Pulumi CLI.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { StackConfig } from "./load";
import { NAMESPACE } from "./problems";

interface ProjectConfigEntry {
  type?: string;
  default?: unknown;
  description?: string;
}

function stripNamespace(key: string): string | undefined {
  if (key.startsWith(`${NAMESPACE}:`)) return key.slice(NAMESPACE.length + 1);
  return key.includes(":") ? undefined : key;
}

export function projectDefaults(projectDir: string): Record<string, unknown> {
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as { config?: Record<string, ProjectConfigEntry> };
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(project.config ?? {})) {
    const k = stripNamespace(key);
    if (k !== undefined && entry && typeof entry === "object" && "default" in entry) out[k] = entry.default;
  }
  return out;
}

export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const file = join(projectDir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`no stack config ${file}: create it, or pick a stack that exists (see Pulumi.*.yaml)`);
  }
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, unknown> = projectDefaults(projectDir);
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const k = stripNamespace(key);
    if (k === undefined) continue;
    if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      secretKeys.add(k);
      config[k] = "[secret]";
    } else {
      config[k] = value;
    }
  }
  return { stack, config, secretKeys };
}
