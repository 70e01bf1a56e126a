// A one-VM lab in a private libvirtd for the checkpoint tests: an isolated network, a dir pool, a
// qcow2 disk and a Windows-style domain (UEFI + Secure Boot with enrolled keys, SMM, TPM 2.0 on
// swtpm) rendered by the project's own renderers, started once so OVMF writes its variable store
// and swtpm its state, then shut off. TCG: no KVM needed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { requireLabSpec, readStackConfig } from "../../lab";
import type { LabSpec } from "../../lab";
import { renderDomainXml, renderNetworkXml, renderPoolXml, renderVolumeXml } from "../../libvirt/render";
import { Virsh } from "../../libvirt/virsh";
import type { PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR } from "../support/stacks";

export const STACK = "ckpt";

export interface Fixture {
  spec: LabSpec;
  virsh: Virsh;
  /** A project folder with Pulumi.yaml and Pulumi.ckpt.yaml, for the CLI's --project. */
  project: string;
  /** The host-side path of the private daemon's /var/lib/libvirt/swtpm. */
  swtpmDir: string;
  disk(vm: string): Promise<string>;
  tpmDir(vm: string): string;
}

/** The stack config the fixture writes (plain values: what `pulumi config` would hold). */
export function stackConfig(dir: string, uri: string, vms: string[]): Record<string, unknown> {
  return {
    uri,
    domainType: "qemu",
    nvramDir: join(dir, "nvram"),
    networks: [{ name: "ckpt-net", bridge: "virbr91", mode: "isolated", subnet: "192.168.91.0/24", gateway: "192.168.91.1" }],
    pool: { name: "ckpt", path: join(dir, "pool") },
    vms: vms.map((name, i) => ({
      name,
      role: "windows",
      os: "windows-server-2022",
      vcpus: 1,
      memory: "512MiB",
      disk: "32GiB",
      nics: [{ network: "ckpt-net", ip: `192.168.91.${10 + i}` }],
    })),
  };
}

export async function buildFixture(daemon: PrivateLibvirtd, vms: string[] = ["W1"]): Promise<Fixture> {
  const dir = daemon.dir;
  mkdirSync(join(dir, "nvram"), { recursive: true });
  const project = join(dir, "project");
  mkdirSync(project, { recursive: true });
  copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
  const config = stackConfig(dir, daemon.uri, vms);
  writeFileSync(join(project, `Pulumi.${STACK}.yaml`), stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`homelab:${k}`, v])) }));
  const spec = requireLabSpec(readStackConfig(project, STACK)).spec;
  const virsh = new Virsh({ uri: daemon.uri });
  for (const n of spec.networks) {
    await virsh.defineNetwork(renderNetworkXml(n));
    await virsh.startNetwork(n.name);
  }
  await virsh.definePool(renderPoolXml(spec.pool));
  await virsh.buildPool(spec.pool.name);
  await virsh.startPool(spec.pool.name);
  for (const v of spec.volumes) await virsh.createVolume(v.pool, renderVolumeXml(v));
  for (const vm of spec.vms) {
    await virsh.defineDomain(renderDomainXml(vm, spec));
    // One start creates the NVRAM file from the enrolled-keys template and the swtpm state.
    await virsh.startDomain(vm.name);
  }
  await new Promise((r) => setTimeout(r, 2000));
  for (const vm of spec.vms) await virsh.destroyDomain(vm.name);
  const swtpmDir = join(dir, "lib", "swtpm");
  return {
    spec,
    virsh,
    project,
    swtpmDir,
    disk: (vm) => virsh.volumePath(spec.pool.name, spec.volumes.find((v) => v.vm === vm)!.name),
    tpmDir: (vm) => join(swtpmDir, spec.vms.find((v) => v.name === vm)!.uuid),
  };
}

export const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Every file under `dir`: relative path -> SHA-256, mode and owner. */
export function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out[relative(dir, p)] = `${sha256(p)} ${s.mode.toString(8)} ${s.uid}:${s.gid}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** qemu-io, the QEMU block layer's own tool: writes `pattern` bytes into the guest-visible disk. */
export function writeDisk(disk: string, pattern: number, offset = 0, length = "1M"): void {
  execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -P ${pattern} ${offset} ${length}`, disk], { stdio: "pipe" });
}

/** true when qemu-img compare finds the guest-visible contents identical (exit 0), false when they differ (exit 1). */
export function sameDiskContent(a: string, b: string): boolean {
  try {
    execFileSync("qemu-img", ["compare", "-f", "qcow2", "-F", "qcow2", a, b], { stdio: "pipe" });
    return true;
  } catch (e) {
    if ((e as { status?: number }).status === 1) return false;
    throw e;
  }
}
