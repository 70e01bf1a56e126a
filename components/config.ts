// Reads the `homelab` namespace of the Pulumi stack config into the lab model's input,
// the same shape the commands without a Pulumi CLI read from the YAML file.
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, parseConfigValue } from "../lab";
import type { StackConfig } from "../lab";
import { SECRET_KEYS, TOP_LEVEL_KEYS } from "../lab/schema";

// Exported by the SDK's runtime but missing from its type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export { NAMESPACE };

export function readPulumiConfig(): StackConfig {
  const cfg = new pulumi.Config(NAMESPACE);
  const config: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const key of TOP_LEVEL_KEYS) {
    if (key in SECRET_KEYS) {
      // Never read a secret's value here: only whether it is set and whether it is a secret.
      if (pulumi.runtime.getConfig(`${NAMESPACE}:${key}`) === undefined) continue;
      config[key] = "[secret]";
      if (isConfigSecret(`${NAMESPACE}:${key}`)) secretKeys.add(key);
      continue;
    }
    const raw = pulumi.runtime.getConfig(`${NAMESPACE}:${key}`);
    if (raw === undefined) continue;
    config[key] = parseConfigValue(raw);
  }
  // Stack keys the schema does not know must still reach validation, to be reported as typos.
  for (const full of Object.keys(pulumi.runtime.allConfig())) {
    const key = full.startsWith(`${NAMESPACE}:`) ? full.slice(NAMESPACE.length + 1) : undefined;
    if (key !== undefined && !(key in config) && !(key in SECRET_KEYS)) config[key] = parseConfigValue(cfg.get(key) ?? "");
  }
  return { stack: pulumi.getStack(), config, secretKeys };
}
