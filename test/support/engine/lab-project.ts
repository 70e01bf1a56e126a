// A test's view of the project under the engine: a stack's config as the CLI would pass it, with
// the host paths (pool, NVRAM, ISOs) under a private libvirtd's folder and TCG guests, and a copy of
// the project at a path of its own (so a test can move or re-copy it).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { readStackConfig } from "../../../lab";
import { PROJECT_DIR } from "../stacks";
import { stageMediaFolder } from "../media-folder";
import { Engine, EngineOptions } from "./engine";

export interface StackInput {
  /** homelab config, key -> value (structured values as objects). */
  config: Record<string, unknown>;
  /** Secret config values by key (the CLI hands them over decrypted). */
  secrets: Record<string, string>;
}

/** Empty but valid ISO 9660 images, so QEMU gets a real CD. */
function stageIsos(dir: string): (name: string) => string {
  const content = join(dir, "iso", "content");
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, "README.TXT"), "homelab test medium\n");
  return (name: string) => {
    const iso = join(dir, "iso", name);
    if (!existsSync(iso)) execFileSync("xorriso", ["-as", "mkisofs", "-V", "HOMELAB_TEST", "-o", iso, content], { stdio: "ignore" });
    return iso;
  };
}

/** The stack's config from its Pulumi.<stack>.yaml, pointed at the private libvirtd and `dir`. */
export function stackUnder(stack: string, uri: string, dir: string): StackInput {
  const iso = stageIsos(dir);
  mkdirSync(join(dir, "nvram"), { recursive: true });
  const config = { ...readStackConfig(PROJECT_DIR, stack).config };
  config.uri = uri;
  config.domainType = "qemu";
  // The test ISOs are empty CDs, not Windows media: the guests are installed "by hand" (never, here).
  config.install = "manual";
  // No Windows to run the phases on (they are on by default): a test that runs them turns them on
  // and points WinRM at its stand-ins (phases-end-to-end.test.ts).
  config.guestPhases = false;
  config.nvramDir = join(dir, "nvram");
  config.pool = { ...(config.pool as object), path: join(dir, "pools", String((config.pool as { name: string }).name)) };
  mkdirSync(join(dir, "pools"), { recursive: true });
  // The media folder holds stand-ins for every installer the manifest requires; `up` checks it and
  // builds the ISO (media/resource.ts), recording first-use hashes in a lock of the test's own.
  if (config.media) config.media = { dir: stageMediaFolder(join(dir, "media")), iso: join(dir, "iso", "media.iso"), lock: join(dir, "media.lock.json") };
  config.vms = (config.vms as Record<string, unknown>[]).map((vm) => ({
    ...vm,
    iso: iso(String(vm.iso).split("/").pop()!),
    ...(vm.virtioIso ? { virtioIso: iso("virtio-win.iso") } : {}),
  }));
  return { config, secrets: {} };
}

/** PULUMI_CONFIG as the CLI builds it: every value a string, structured ones as JSON. */
export function cliConfig(input: StackInput): Pick<EngineOptions, "config" | "secretKeys"> {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.config)) config[`homelab:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(input.secrets)) config[`homelab:${k}`] = v;
  return {
    config,
    secretKeys: Object.keys(input.secrets)
      .map((k) => `homelab:${k}`)
      .sort(),
  };
}

/**
 * A copy of the project's tracked files at `to`, sharing node_modules through a symlink (as a
 * second clone with its own `npm ci` would have the same packages).
 */
export function copyProject(to: string): string {
  mkdirSync(to, { recursive: true });
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: PROJECT_DIR, encoding: "utf8" })
    .split("\0")
    .filter((f) => f && !f.startsWith("test/"));
  for (const f of files) {
    if (!existsSync(join(PROJECT_DIR, f))) continue;
    mkdirSync(join(to, f, ".."), { recursive: true });
    cpSync(join(PROJECT_DIR, f), join(to, f));
  }
  // Files of the working tree not yet committed (a test run on a developer's checkout).
  for (const dir of ["components", "libvirt", "phases", "lab", "winrm", "preflight", "media"]) {
    for (const f of readdirSync(join(PROJECT_DIR, dir), { recursive: true }) as string[]) {
      if (f.endsWith(".ts") && !existsSync(join(to, dir, f))) cpSync(join(PROJECT_DIR, dir, f), join(to, dir, f));
    }
  }
  symlinkSync(join(PROJECT_DIR, "node_modules"), join(to, "node_modules"));
  // The compiled bins `npm ci` builds (prepare): the phase Commands run bin/homelab-*.js.
  symlinkSync(join(PROJECT_DIR, "dist"), join(to, "dist"));
  return to;
}

/**
 * Pulumi.<stack>.yaml in a copy, holding the config the engine hands the program (as on a real
 * host, where the CLI reads that file): the phase wrapper reads it when a Command runs.
 */
export function writeStackFile(projectDir: string, stack: string, input: StackInput): void {
  const config = Object.fromEntries(Object.entries(input.config).map(([k, v]) => [`homelab:${k}`, v]));
  writeFileSync(join(projectDir, `Pulumi.${stack}.yaml`), stringify({ config }));
}

export function engineFor(projectDir: string, stack: string, input: StackInput, stateFile: string, extra: Partial<EngineOptions> = {}): Engine {
  return new Engine({ projectDir, project: "homelab", stack, stateFile, ...cliConfig(input), ...extra });
}
