// Runs nix-instantiate against a dummy store: nothing is built, nothing is written under /nix.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExportedFile } from "../../nixvirt-export";

export const DOUBLE = join(__dirname, "nixvirt-double.nix");

export interface NixResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export function nixInstantiate(args: string[], binary = "nix-instantiate"): NixResult {
  try {
    const stdout = execFileSync(binary, ["--store", "dummy://", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, stdout, stderr: "" };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    // A missing tool is not a failed parse: fail the test with the tool named (CI installs nix-bin).
    if (e.code === "ENOENT") throw new Error(`${binary} is not installed: apt-get install nix-bin`);
    return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? String(error) };
  }
}

export function parseNixFile(file: string): NixResult {
  return nixInstantiate(["--parse", file]);
}

/** Evaluates an expression to JSON, or throws with nix's own message. */
export function evalJson<T>(expression: string): T {
  const result = nixInstantiate(["--eval", "--strict", "--json", "--expr", expression]);
  if (!result.ok) throw new Error(result.stderr.trim());
  return JSON.parse(result.stdout) as T;
}

/** Writes the files into a fresh folder, runs `use(dir)`, and removes the folder again. */
export function withFiles<T>(files: ExportedFile[], use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "nixvirt-export-"));
  try {
    for (const f of files) writeFileSync(join(dir, f.path), f.content);
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// What the double returns: each writeXML/template call with its arguments.
export interface Call<T> {
  nixvirt: string;
  args: T;
}

export interface Count {
  count: number;
  unit: string;
}

export interface NetworkDefinition {
  name: string;
  uuid: string;
  bridge: { name: string; stp?: boolean; delay?: number };
  mac: { address: string };
  forward?: { mode: string };
  dns?: { enable: boolean };
  ip: { address: string; netmask: string; dhcp?: { range: { start: string; end: string }; host: { mac: string; name: string; ip: string }[] } };
}

export interface PoolDefinition {
  name: string;
  uuid: string;
  type: string;
  target: { path: string };
}

export interface VolumeDefinition {
  name: string;
  capacity: Count;
  allocation?: Count;
  target: { format: { type: string }; compat?: string };
}

export interface DiskDefinition {
  type: string;
  device: string;
  source: { file?: string; pool?: string; volume?: string } | null;
  target: { dev: string; bus: string };
}

export interface InterfaceDefinition {
  type: string;
  mac: { address: string };
  source: { network?: string; bridge?: string };
  model: { type: string } | null;
}

export interface DomainDefinition {
  type: string;
  name: string;
  uuid: string;
  vcpu: { count: number };
  memory: Count;
  os: { firmware?: string; loader?: { path: string }; nvram?: { path: string; template?: string }; boot: { dev: string }[] };
  cpu?: { mode: string; check?: string; topology?: Record<string, number> };
  features: { hyperv?: unknown };
  clock: { offset: string; timer: { name: string }[] };
  devices: {
    disk: DiskDefinition[];
    interface: InterfaceDefinition[] | InterfaceDefinition;
    tpm?: { model: string; backend: { type: string; version: string } } | null;
    graphics: { type: string; listen: { type: string } };
  };
  template: Call<Record<string, unknown>>;
}

export interface NixVirtLists {
  networks: { definition: Call<NetworkDefinition>; active: boolean | null }[];
  pools: { definition: Call<PoolDefinition>; active: boolean | null; volumes: { name: string; definition: Call<VolumeDefinition> }[] }[];
  domains: { definition: Call<DomainDefinition>; active: boolean | null }[];
}

/** The three exported files evaluated against the NixVirt double, as the flake calls them. */
export function evalExport(files: ExportedFile[]): NixVirtLists {
  return withFiles(files, (dir) => evalJson<NixVirtLists>(`
    let lab = { nixvirt = import ${DOUBLE}; };
    in {
      networks = import ${dir}/networks.nix lab;
      pools = import ${dir}/pools.nix lab;
      domains = import ${dir}/domains.nix lab;
    }`));
}
