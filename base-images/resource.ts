// Base images in the Pulumi program: per Windows edition of the lab, the build VM's install media and
// answer ISO (the unattended install's InstallMedia), then the BaseImage that builds from them.
// Order in a lab: InstallMedia(build) -> BaseImage -> clone volumes -> domains -> install waits -> phases.
import { existsSync, readFileSync, statSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import type { LabSpec } from "../lab";
import { renderDomainXml } from "../libvirt/render";
import { sha256File } from "../unattend/install-media";
import type { WindowsOs } from "../unattend/images";
import { answerIsoPath, noPromptIsoPath, serialLogPath } from "../unattend/paths";
import { InstallMedia } from "../unattend/resources";
import { installTimeoutMinutes } from "../unattend/wait";
import { buildVmSpec, renderBaseAnswerFile, throwawayBuildPassword } from "./answer-file";
import { baseImageName, vmsByEdition } from "./identity";
import { baseImageProvider, cloneDiskProvider } from "./provider";
import type { DiskMode } from "../lab";

export interface BaseImageArgs {
  uri: pulumi.Input<string>;
  pool: pulumi.Input<string>;
  name: pulumi.Input<string>;
  capacityBytes: pulumi.Input<number>;
  installIsoBytes: pulumi.Input<number>;
  buildDomain: pulumi.Input<string>;
  buildDomainXml: pulumi.Input<string>;
  hostname: pulumi.Input<string>;
  serialLog: pulumi.Input<string>;
  timeoutMs: pulumi.Input<number>;
  deleteOnDestroy: pulumi.Input<boolean>;
}

/** One read-only qcow2 per edition, built once; a new name (new ISO, answer file or generator) replaces it. */
export class BaseImage extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly path: pulumi.Output<string>;
  declare public readonly origin: pulumi.Output<string>;

  constructor(name: string, args: BaseImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(baseImageProvider, name, { ...args, path: undefined, origin: undefined, allocationBytes: undefined }, opts, "homelab", "BaseImage");
  }
}

export interface CloneDiskArgs {
  uri: pulumi.Input<string>;
  pool: pulumi.Input<string>;
  name: pulumi.Input<string>;
  vm: pulumi.Input<string>;
  capacityBytes: pulumi.Input<number>;
  mode: pulumi.Input<DiskMode>;
  base: pulumi.Input<string>;
  basePool: pulumi.Input<string>;
  basePath: pulumi.Input<string>;
  baseCapacityBytes: pulumi.Input<number>;
  replaceOnBaseChange: pulumi.Input<boolean>;
  deleteOnDestroy: pulumi.Input<boolean>;
  serialLog: pulumi.Input<string>;
}

/** A Windows VM's disk made from its edition's base image: a linked clone or a full copy (clone-disk.ts). */
export class CloneDisk extends pulumi.dynamic.Resource {
  declare public readonly path: pulumi.Output<string>;
  /** The base image the disk was made from (a linked one still reads from it). */
  declare public readonly madeFrom: pulumi.Output<string>;
  /** What a changed base image means for this disk, when it changed. */
  declare public readonly note: pulumi.Output<string | undefined>;

  constructor(name: string, args: CloneDiskArgs, opts?: pulumi.CustomResourceOptions) {
    super(cloneDiskProvider, name, { ...args, path: undefined, madeFrom: undefined, note: undefined }, opts, "homelab", "CloneDisk");
  }
}

/**
 * The source ISO's SHA-256: the one the unattended install recorded beside its no-prompt copy when size
 * and mtime still match (a preview does not read 5 GB again), else read now.
 */
export async function installIsoSha256(sourceIso: string): Promise<string> {
  const stampFile = `${noPromptIsoPath(sourceIso)}.sha256.json`;
  const st = statSync(sourceIso);
  if (existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as { sha256: string; size: number; mtimeMs: number };
    if (stamp.size === st.size && stamp.mtimeMs === st.mtimeMs) return stamp.sha256;
  }
  return sha256File(sourceIso);
}

export interface LabBaseImage {
  os: WindowsOs;
  image: BaseImage;
  /** The lab VMs that clone it. */
  vms: string[];
}

/** A base image per Windows edition of the lab (two VMs of one edition share one). */
export function createBaseImages(parent: pulumi.Resource, prefix: string, spec: LabSpec, dependsOn: pulumi.Resource[]): Map<WindowsOs, LabBaseImage> {
  const out = new Map<WindowsOs, LabBaseImage>();
  for (const [os, vms] of vmsByEdition(spec)) {
    const template = vms[0];
    const sourceIso = template.isos.install;
    if (!sourceIso) continue;
    // The drivers and guest agent come from the first virtio-win.iso set on a VM of this edition (homelab:vms[i].virtioIso).
    const virtioIso = vms.find((vm) => vm.isos.virtio !== undefined)?.isos.virtio;
    // The answer file does not depend on the image name: render it for a placeholder volume.
    const readableXml = renderBaseAnswerFile(spec, buildVmSpec(template, "base.qcow2", spec.libvirt.nvramDir, virtioIso), "placeholder");
    const name = pulumi.output(installIsoSha256(sourceIso)).apply((sha) => baseImageName({ os, installIsoSha256: sha, baseAnswerXml: readableXml }));
    const buildVm = name.apply((volume) => buildVmSpec(template, volume, spec.libvirt.nvramDir, virtioIso));
    const media = new InstallMedia(
      `${prefix}-base-${os}-media`,
      {
        uri: spec.libvirt.uri,
        name: buildVm.name,
        hostname: buildVm.hostname,
        os,
        configPath: `homelab:vms[${spec.vms.indexOf(template)}].iso`,
        sourceIso,
        pool: spec.pool.name,
        volume: name,
        answerIso: buildVm.apply((vm) => answerIsoPath(spec.pool, vm)),
        serialLog: buildVm.apply(serialLogPath),
        readableXml,
        // Not homelab:adminPassword: a throwaway one (a Pulumi secret, encrypted in state), so no lab secret is in the image.
        adminPassword: pulumi.secret(throwawayBuildPassword()),
      },
      { parent, dependsOn },
    );
    const image = new BaseImage(
      `${prefix}-base-${os}`,
      {
        uri: spec.libvirt.uri,
        pool: spec.pool.name,
        name,
        // Windows is installed on the smallest disk of its edition: every clone may be that size or larger.
        capacityBytes: Math.min(...spec.volumes.filter((v) => vms.some((vm) => vm.name === v.vm)).map((v) => v.capacityBytes)),
        installIsoBytes: statSync(sourceIso).size,
        buildDomain: buildVm.name,
        buildDomainXml: buildVm.apply((vm) => renderDomainXml(vm, spec)),
        hostname: buildVm.hostname,
        serialLog: buildVm.apply(serialLogPath),
        timeoutMs: installTimeoutMinutes({ ...spec, vms: [template] }) * 60_000,
        deleteOnDestroy: false,
      },
      { parent, dependsOn: [media] },
    );
    out.set(os, { os, image, vms: vms.map((vm) => vm.name) });
  }
  return out;
}
