import * as pulumi from "@pulumi/pulumi";
import type { LabSpec, VmSpec } from "../lab";
import { renderDomainXml, renderVolumeXml } from "../libvirt/render";
import { LibvirtDomain, LibvirtNetwork, LibvirtPool, LibvirtVolume } from "../libvirt/resources";
import { installsUnattended, serialLogPath } from "../unattend/paths";
import { InstallMedia, installMediaArgs, InstallWait, installWaitArgs } from "../unattend/resources";
import { childName } from "./naming";
import { CloneDisk } from "../base-images/resource";
import type { BaseImage } from "../base-images/resource";
import type { DiskMode } from "../lab";
import { logProviderNotes } from "./notes";

export interface VmArgs {
  vm: VmSpec;
  /** The lab: the domain's XML refers to its networks and pool; the answer file reads the rest. */
  lab: LabSpec;
  /** The pool that holds the VM's disk. */
  pool: LibvirtPool;
  /** The networks the VM's NICs attach to, by name. */
  networks: Record<string, LibvirtNetwork>;
  /** Unattended install (issue 12): homelab:adminPassword (a secret). */
  install?: { adminPassword: pulumi.Input<string> | undefined };
  // ---- base images (issue 13): the disk is made from its edition's base image (linked or full).
  base?: { image: BaseImage; capacityBytes: number; mode: DiskMode; replaceOnBaseChange: boolean };
  // ---- end base images
  /** The media ISO resource, when this VM attaches it: its domain is created after the ISO is built. */
  mediaIso?: pulumi.Resource;
}

/** Outputs every VM component exposes; the stack outputs are built from them. */
export interface VmOutputs {
  name: pulumi.Output<string>;
  uuid: pulumi.Output<string>;
  domain: LibvirtDomain;
  volume: LibvirtVolume | CloneDisk;
  /** What the VM's first guest phase waits for: its install wait when Windows installs unattended, else the domain. */
  ready: pulumi.Resource;
}

function createVm(
  component: pulumi.ComponentResource,
  name: string,
  args: VmArgs,
): { volume: LibvirtVolume | CloneDisk; domain: LibvirtDomain; ready: pulumi.Resource } {
  const { vm, lab } = args;
  const volumeSpec = lab.volumes.find((v) => v.vm === vm.name);
  if (!volumeSpec) throw new Error(`the lab has no volume for VM ${vm.name}`);
  // ---- base images (issue 13): a clone of the base image, or a blank disk. A clone replaced (a new base
  // image with homelab:replaceClonesOnBaseChange) replaces its answer media, domain and install wait with it,
  // each deleted before it is made again (libvirt names and the answer ISO's path are unique).
  const base = args.base;
  const volume = base
    ? new CloneDisk(
        childName(name, "disk"),
        {
          uri: lab.libvirt.uri,
          pool: volumeSpec.pool,
          name: volumeSpec.name,
          vm: vm.name,
          capacityBytes: volumeSpec.capacityBytes,
          mode: base.mode,
          base: base.image.name,
          basePool: lab.pool.name,
          basePath: base.image.path,
          baseCapacityBytes: base.capacityBytes,
          replaceOnBaseChange: base.replaceOnBaseChange,
          deleteOnDestroy: volumeSpec.deleteOnDestroy,
          serialLog: serialLogPath(vm),
        },
        { parent: component, dependsOn: [args.pool, base.image] },
      )
    : new LibvirtVolume(
        childName(name, "disk"),
        {
          uri: lab.libvirt.uri,
          pool: volumeSpec.pool,
          name: volumeSpec.name,
          xml: renderVolumeXml(volumeSpec),
          capacityBytes: volumeSpec.capacityBytes,
          format: volumeSpec.format,
          deleteOnDestroy: volumeSpec.deleteOnDestroy,
        },
        { parent: component, dependsOn: [args.pool] },
      );
  // replaceWith: "when any target resource is replaced, the source is also replaced" (pulumi/pulumi#20693, Pulumi's
  // blog "dependent resource replacements", Nov 2025; older than requiredPulumiVersion 3.228).
  const withDisk: pulumi.CustomResourceOptions = base ? { replaceWith: [volume], deleteBeforeReplace: true } : {};
  // ---- end base images
  // --- unattended install (issue 12): the installer and answer ISOs exist before the domain starts.
  const unattended = installsUnattended(lab, vm) && args.install !== undefined;
  const media = unattended
    ? new InstallMedia(childName(name, "install-media"), installMediaArgs(lab, vm, args.install!.adminPassword as pulumi.Input<string>), {
        parent: component,
        dependsOn: [volume],
        ...withDisk,
      })
    : undefined;
  // The domain waits for its own disk and networks only, so VMs build side by side.
  const networks = [...new Set(vm.nics.map((nic) => nic.network))].map((n) => args.networks[n]);
  const domain = new LibvirtDomain(
    childName(name, "domain"),
    {
      uri: lab.libvirt.uri,
      name: vm.name,
      uuid: vm.uuid,
      xml: renderDomainXml(vm, lab),
      start: vm.start,
    },
    { parent: component, dependsOn: [volume, ...networks, ...(media ? [media] : []), ...(args.mediaIso ? [args.mediaIso] : [])], ...withDisk },
  );
  if (volume instanceof LibvirtVolume) logProviderNotes(volume);
  logProviderNotes(domain);
  // --- unattended install (issue 12): the install marker on the serial log, before the first phase.
  const ready = media
    ? new InstallWait(childName(name, "install-wait"), installWaitArgs(lab, vm, media), { parent: component, dependsOn: [domain], ...withDisk })
    : domain;
  return { volume, domain, ready };
}

/** A VM's disk volume and domain; the two kinds differ only in their type token and in the XML the renderer gives them. */
abstract class LabVm extends pulumi.ComponentResource implements VmOutputs {
  public readonly name: pulumi.Output<string>;
  public readonly uuid: pulumi.Output<string>;
  public readonly domain: LibvirtDomain;
  public readonly volume: LibvirtVolume | CloneDisk;
  public readonly ready: pulumi.Resource;

  protected constructor(type: string, name: string, args: VmArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    ({ volume: this.volume, domain: this.domain, ready: this.ready } = createVm(this, name, args));
    this.name = this.domain.name;
    this.uuid = this.domain.uuid;
    this.registerOutputs({ name: this.name, uuid: this.uuid });
  }
}

/** A Windows guest: q35, UEFI with Secure Boot, TPM 2.0, its own disk volume, NVRAM and NICs. */
export class WindowsVm extends LabVm {
  constructor(name: string, args: VmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:vm:WindowsVm", name, args, opts);
  }
}

/** A Linux guest: virtio disk and NICs, UEFI when the spec asks for it. */
export class LinuxVm extends LabVm {
  constructor(name: string, args: VmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:vm:LinuxVm", name, args, opts);
  }
}
