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
  const file = join(projectDir, "Pulumi.yaml");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new StackFileError(`no project file ${file}: run the command in the project folder, or pass --project`);
  }
  const project = (parseStackYaml(text, file) ?? {}) as { config?: Record<string, ProjectConfigEntry> };
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(project.config ?? {})) {
    const k = stripNamespace(key);
    if (k !== undefined && entry && typeof entry === "object" && "default" in entry) out[k] = pulumiConfigValue(entry.default);
  }
  return out;
}

/**
 * A top-level value as the Pulumi program sees it: the engine hands every plain (non-object)
 * value over as a string (so `pulumi config set homelab:guestPhases true` and a YAML `true` both
 * arrive as "true"), and the program JSON-parses it; objects and lists arrive as JSON.
 */
export function pulumiConfigValue(value: unknown): unknown {
  if (value === null || typeof value === "object") return value;
  return parseConfigValue(String(value));
}

/** Pulumi hands every value over as a string; structured values and scalars arrive as JSON. */
export function parseConfigValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** YAML as the Pulumi CLI reads a stack file: merge keys (<<) and anchors resolved, duplicate keys refused. */
export function parseStackYaml(text: string, file: string): unknown {
  try {
    return parse(text, { merge: true, uniqueKeys: true });
  } catch (err) {
    throw new StackFileError(`${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A stack or project file that is missing or unreadable (a config error, not a crash). */
export class StackFileError extends Error {
  override name = "StackFileError";
}

export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const file = join(projectDir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new StackFileError(`no stack config ${file}: create it, or pick a stack that exists (see Pulumi.*.yaml)`);
  }
  const doc = (parseStackYaml(text, file) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, unknown> = projectDefaults(projectDir);
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const k = stripNamespace(key);
    if (k === undefined) continue;
    if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      secretKeys.add(k);
      config[k] = "[secret]";
    } else {
      config[k] = pulumiConfigValue(value);
    }
  }
  return { stack, config, secretKeys };
}
