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
import { buildVmSpec, renderBaseAnswerFile } from "./answer-file";
import { baseImageName, vmsByEdition } from "./identity";
import { baseImageProvider } from "./provider";

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
export function createBaseImages(
  parent: pulumi.Resource,
  prefix: string,
  spec: LabSpec,
  adminPassword: pulumi.Input<string>,
  dependsOn: pulumi.Resource[],
): Map<WindowsOs, LabBaseImage> {
  const out = new Map<WindowsOs, LabBaseImage>();
  for (const [os, vms] of vmsByEdition(spec)) {
    const template = vms[0];
    const sourceIso = template.isos.install;
    if (!sourceIso) continue;
    // The answer file does not depend on the image name: render it for a placeholder volume.
    const readableXml = renderBaseAnswerFile(spec, buildVmSpec(template, "base.qcow2", spec.libvirt.nvramDir), "placeholder");
    const name = pulumi.output(installIsoSha256(sourceIso)).apply((sha) => baseImageName({ os, installIsoSha256: sha, baseAnswerXml: readableXml }));
    const buildVm = name.apply((volume) => buildVmSpec(template, volume, spec.libvirt.nvramDir));
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
        adminPassword,
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
