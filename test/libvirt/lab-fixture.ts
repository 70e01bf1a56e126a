// The dev lab under a private folder, and the providers' inputs built from it: shared by the
// tests that drive the providers against a private libvirtd.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireLabSpec } from "../../lab";
import type { LabSpec, NetworkSpec, PoolSpec, VmSpec, VolumeSpec } from "../../lab";
import { renderDomainXml, renderNetworkXml, renderPoolXml, renderVolumeXml } from "../../libvirt/render";
import type { Log } from "../../libvirt/providers/common";
import { stackConfig } from "../support/stacks";

/** The dev stack with its pool, NVRAM and ISOs under `dir`, and TCG guests. */
export function devLabUnder(dir: string): LabSpec {
  const iso = (name: string) => join(dir, "iso", name);
  mkdirSync(join(dir, "iso", "content"), { recursive: true });
  mkdirSync(join(dir, "nvram"), { recursive: true });
  writeFileSync(join(dir, "iso", "content", "README.TXT"), "homelab test medium\n");
  for (const name of ["windows-server-2022.iso", "windows-11.iso", "virtio-win.iso", "media.iso"]) {
    // A real (empty) ISO 9660 image: what QEMU gets is a valid CD.
    execFileSync("xorriso", ["-as", "mkisofs", "-V", "HOMELAB_TEST", "-o", iso(name), join(dir, "iso", "content")], { stdio: "ignore" });
    if (!existsSync(iso(name))) throw new Error(`xorriso made no ${iso(name)}`);
  }
  const cfg = stackConfig("dev");
  cfg.config.pool = { ...(cfg.config.pool as object), path: join(dir, "pool") };
  cfg.config.nvramDir = join(dir, "nvram");
  cfg.config.domainType = "qemu";
  // The libvirt objects as such; the unattended install's media and boot are tested in test/unattend.
  cfg.config.install = "manual";
  cfg.config.media = { dir: join(dir, "iso", "content"), iso: iso("media.iso") };
  cfg.config.vms = (cfg.config.vms as Record<string, unknown>[]).map((vm) => ({
    ...vm,
    iso: iso(String(vm.iso).split("/").pop()!),
    virtioIso: iso("virtio-win.iso"),
  }));
  return requireLabSpec(cfg).spec;
}

export const networkInputs = (uri: string, n: NetworkSpec) => ({
  uri,
  name: n.name,
  uuid: n.uuid,
  xml: renderNetworkXml(n),
  active: n.active,
  autostart: n.autostart,
});
export const poolInputs = (uri: string, p: PoolSpec) => ({ uri, name: p.name, uuid: p.uuid, xml: renderPoolXml(p), active: p.active, autostart: p.autostart });
export const volumeInputs = (uri: string, v: VolumeSpec) => ({
  uri,
  pool: v.pool,
  name: v.name,
  xml: renderVolumeXml(v),
  capacityBytes: v.capacityBytes,
  format: v.format as string,
  deleteOnDestroy: v.deleteOnDestroy,
});
export const domainInputs = (uri: string, vm: VmSpec, lab: LabSpec) => ({ uri, name: vm.name, uuid: vm.uuid, xml: renderDomainXml(vm, lab), start: vm.start });

export async function checked<I, C>(
  check: (olds: Partial<I>, news: I) => Promise<{ inputs: C; failures: { reason: string }[] }>,
  news: I,
  olds: Partial<I> = {},
): Promise<C> {
  const result = await check(olds, news);
  if (result.failures.length > 0) throw new Error(result.failures.map((f) => f.reason).join("; "));
  return result.inputs;
}

export class RecordingLog implements Log {
  readonly messages: string[] = [];
  info(m: string) {
    this.messages.push(m);
  }
  warn(m: string) {
    this.messages.push(m);
  }
}
