import * as pulumi from "@pulumi/pulumi";
import type { LabSpec, VmSpec } from "../lab";
import type { LibvirtNetwork } from "../libvirt/resources";
import type { PhaseGraph } from "../phases/types";
import { LabNetwork } from "./network";
import { childName } from "./naming";
import { GuestPhases } from "./phases";
import { LabStorage } from "./storage";
import { LinuxVm, VmOutputs, WindowsVm } from "./vm";
import { createBaseImages, LabBaseImage } from "../base-images/resource";
import type { WindowsOs } from "../unattend/images";
import { createMediaIso } from "../media/resource";

export interface LabArgs {
  spec: LabSpec;
  /** The spec's phase graph, built at the edge (the program) from the media manifest; run when spec.guest.phases is on. */
  graph: PhaseGraph;
  /** Secret config values by key; needed when the guest phases are on, and adminPassword for an unattended install. */
  secrets: Record<string, pulumi.Output<string>>;
  /** Folder holding scripts/ and the homelab-winrm bin. */
  projectDir: string;
}

export interface VmSummary {
  name: string;
  uuid: pulumi.Output<string>;
  role: VmSpec["role"];
  os: VmSpec["os"];
  macs: string[];
  ip: string | undefined;
  uri: string;
  console: string;
}

/** The whole lab: networks and the pool, then each VM's disk and domain, then the guest phases. */
export class Lab extends pulumi.ComponentResource {
  public readonly networks: Record<string, LabNetwork>;
  public readonly storage: LabStorage;
  public readonly vms: Record<string, VmOutputs>;
  public readonly phases?: GuestPhases;
  public readonly vmSummaries: VmSummary[];

  constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:lab:Lab", name, {}, opts);
    const { spec } = args;
    const uri = spec.libvirt.uri;
    this.networks = Object.fromEntries(spec.networks.map((n) => [n.name, new LabNetwork(childName(name, n.name), { uri, network: n }, { parent: this })]));
    this.storage = new LabStorage(childName(name, "storage"), { uri, pool: spec.pool }, { parent: this });
    const libvirtNetworks: Record<string, LibvirtNetwork> = Object.fromEntries(Object.entries(this.networks).map(([k, v]) => [k, v.network]));
    this.vms = {};
    // The installers' ISO, checked and built before the domains that attach it (issue 12).
    const mediaIso = createMediaIso(this, childName(name, "media-iso"), spec);
    // ---- base images (issue 13): one per Windows edition; each Windows VM's disk a clone (linked or full) of it.
    const bases =
      spec.disks !== undefined && spec.guest.install === "unattended"
        ? createBaseImages(this, name, spec, [this.storage.pool])
        : new Map<string, LabBaseImage>();
    const baseOf = (vm: VmSpec) => {
      const base = bases.get(vm.os as WindowsOs);
      const volume = spec.volumes.find((v) => v.vm === vm.name);
      return base && volume && base.vms.includes(vm.name)
        ? {
            image: base.image,
            capacityBytes: Math.min(...spec.volumes.filter((v) => base.vms.includes(v.vm)).map((v) => v.capacityBytes)),
            mode: spec.disks!,
            replaceOnBaseChange: spec.replaceClonesOnBaseChange ?? false,
          }
        : undefined;
    };
    // ---- end base images
    for (const vm of spec.vms) {
      const Vm = vm.template === "windows" ? WindowsVm : LinuxVm;
      this.vms[vm.name] = new Vm(
        childName(name, vm.name),
        {
          vm,
          lab: spec,
          pool: this.storage.pool,
          networks: libvirtNetworks,
          install: { adminPassword: args.secrets.adminPassword },
          base: baseOf(vm),
          mediaIso: vm.isos.media ? mediaIso : undefined,
        },
        { parent: this },
      );
    }
    if (spec.guest.phases) {
      this.phases = new GuestPhases(
        childName(name, "phases"),
        {
          graph: args.graph,
          guest: spec.guest,
          projectDir: args.projectDir,
          stack: spec.stack,
          domains: Object.fromEntries(Object.entries(this.vms).map(([k, v]) => [k, v.ready])),
          vmUuids: Object.fromEntries(spec.vms.map((vm) => [vm.name, vm.uuid])),
          secrets: args.secrets,
        },
        { parent: this },
      );
    }
    this.vmSummaries = spec.vms.map((vm) => ({
      name: vm.name,
      uuid: this.vms[vm.name].uuid,
      role: vm.role,
      os: vm.os,
      macs: vm.nics.map((nic) => nic.mac),
      ip: vm.managementIp,
      uri,
      console: `virt-viewer -c ${uri} ${vm.name}`,
    }));
    this.registerOutputs({ vms: this.vmSummaries });
  }
}
