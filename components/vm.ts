import * as pulumi from "@pulumi/pulumi";
import type { LabSpec, VmSpec } from "../lab";
import { renderDomainXml, renderVolumeXml } from "../libvirt/render";
import { LibvirtDomain, LibvirtNetwork, LibvirtPool, LibvirtVolume } from "../libvirt/resources";
import { installsUnattended } from "../unattend/paths";
import { InstallMedia, installMediaArgs, InstallWait, installWaitArgs } from "../unattend/resources";
import { childName } from "./naming";
import { cloneVolumeSpec } from "../base-images/clones";
import type { BaseImage } from "../base-images/resource";
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
  // ---- base images (issue 13): the disk becomes a linked clone of its edition's base image.
  base?: { image: BaseImage; capacityBytes: number };
  // ---- end base images
}

/** Outputs every VM component exposes; the stack outputs are built from them. */
export interface VmOutputs {
  name: pulumi.Output<string>;
  uuid: pulumi.Output<string>;
  domain: LibvirtDomain;
  volume: LibvirtVolume;
  /** What the VM's first guest phase waits for: its install wait when Windows installs unattended, else the domain. */
  ready: pulumi.Resource;
}

function createVm(component: pulumi.ComponentResource, name: string, args: VmArgs): { volume: LibvirtVolume; domain: LibvirtDomain; ready: pulumi.Resource } {
  const { vm, lab } = args;
  const volumeSpec = lab.volumes.find((v) => v.vm === vm.name);
  if (!volumeSpec) throw new Error(`the lab has no volume for VM ${vm.name}`);
  const volume = new LibvirtVolume(
    childName(name, "disk"),
    {
      uri: lab.libvirt.uri,
      pool: volumeSpec.pool,
      name: volumeSpec.name,
      // ---- base images (issue 13): a linked clone's XML names the base image as its backing store.
      xml: args.base
        ? args.base.image.path.apply((path) =>
            renderVolumeXml(cloneVolumeSpec(volumeSpec, { pool: volumeSpec.pool, name: "", path, capacityBytes: args.base!.capacityBytes }, "linked")),
          )
        : renderVolumeXml(volumeSpec),
      capacityBytes: volumeSpec.capacityBytes,
      format: volumeSpec.format,
      deleteOnDestroy: volumeSpec.deleteOnDestroy,
    },
    { parent: component, dependsOn: [args.pool, ...(args.base ? [args.base.image] : [])] },
  );
  // --- unattended install (issue 12): the installer and answer ISOs exist before the domain starts.
  const unattended = installsUnattended(lab, vm) && args.install !== undefined;
  const media = unattended
    ? new InstallMedia(childName(name, "install-media"), installMediaArgs(lab, vm, args.install!.adminPassword as pulumi.Input<string>), {
        parent: component,
        dependsOn: [volume],
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
    { parent: component, dependsOn: [volume, ...networks, ...(media ? [media] : [])] },
  );
  logProviderNotes(volume);
  logProviderNotes(domain);
  // --- unattended install (issue 12): the install marker on the serial log, before the first phase.
  const ready = media ? new InstallWait(childName(name, "install-wait"), installWaitArgs(lab, vm, media), { parent: component, dependsOn: [domain] }) : domain;
  return { volume, domain, ready };
}

/** A VM's disk volume and domain; the two kinds differ only in their type token and in the XML the renderer gives them. */
abstract class LabVm extends pulumi.ComponentResource implements VmOutputs {
  public readonly name: pulumi.Output<string>;
  public readonly uuid: pulumi.Output<string>;
  public readonly domain: LibvirtDomain;
  public readonly volume: LibvirtVolume;
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
