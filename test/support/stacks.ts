import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readStackConfig, requireLabSpec, StackConfig } from "../../lab";
import { hasSite } from "../../lab";
import type { LabSpec, SiteLabSpec } from "../../lab";
import { loadMediaManifest } from "../../media/manifest-schema";
import type { MediaManifest } from "../../media/manifest-schema";

export const PROJECT_DIR = join(__dirname, "..", "..");

/** Every variant, from the Pulumi.<stack>.yaml files in the project. */
export const STACKS: string[] = readdirSync(PROJECT_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

export function stackConfig(stack: string): StackConfig {
  return readStackConfig(PROJECT_DIR, stack);
}

export function stackSpec(stack: string): LabSpec {
  return requireLabSpec(stackConfig(stack)).spec;
}

/** A stack with an SCCM site, typed so (the test's own guard: the stacks that have one are fixed). */
export function siteSpec(stack: string): SiteLabSpec {
  const spec = stackSpec(stack);
  if (!hasSite(spec)) throw new Error(`stack ${stack} has no homelab:sccm`);
  return spec;
}

export const clone = <T>(value: T): T => structuredClone(value);

/** The project's media manifest, loaded once: what the program and the CLI pass to buildPhaseGraph. */
export const REPO_MANIFEST: MediaManifest = loadMediaManifest();
