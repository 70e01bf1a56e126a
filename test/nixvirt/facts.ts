// The facts the Nix path and the Pulumi path must agree on, read three ways: from what the
// Nix files declare (through the double), from the libvirt XML the renderers write, and from
// the LabSpec. Fields that only one path has (active, template arguments) are checked elsewhere.
import { XMLParser } from "fast-xml-parser";
import type { LabSpec } from "../../lab";
import type { Count, InterfaceDefinition, NixVirtLists } from "./nix-tools";

export interface NetworkFacts {
  name: string;
  uuid: string;
  mac: string;
  bridge: string;
  /** nat, route, or isolated when there is no <forward>. */
  mode: string;
  address: string;
  netmask: string;
  /** "start-end" where libvirt serves DHCP, else null. */
  dhcpRange: string | null;
  /** "mac name ip" per reservation libvirt serves, sorted. */
  hosts: string[];
}

export interface VolumeFacts {
  name: string;
  capacityBytes: number;
  format: string;
}

export interface DomainFacts {
  name: string;
  uuid: string;
  type: string;
  memoryMiB: number;
  vcpus: number;
  /** "pool/volume bus" per disk. */
  disks: string[];
  /** ISO files in CD-ROM order. */
  isos: string[];
  /** "mac network model" per NIC, in order. */
  nics: string[];
  uefi: boolean;
  nvram: string | null;
  tpm: boolean;
}

export interface LabFacts {
  networks: NetworkFacts[];
  pool: { name: string; uuid: string; type: string; path: string };
  volumes: VolumeFacts[];
  domains: DomainFacts[];
}

const UNITS: Record<string, number> = { b: 1, bytes: 1, k: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tib: 2 ** 40 };

function bytes(count: number, unit = "bytes"): number {
  const factor = UNITS[unit.toLowerCase()];
  if (factor === undefined) throw new Error(`unknown size unit ${unit}`);
  return count * factor;
}

const sorted = (items: string[]): string[] => [...items].sort();

// ---- from the LabSpec
export function factsFromSpec(spec: LabSpec): LabFacts {
  return {
    networks: spec.networks.map((n) => ({
      name: n.name,
      uuid: n.uuid,
      mac: n.mac,
      bridge: n.bridge,
      mode: n.mode,
      address: n.gateway,
      netmask: n.netmask,
      dhcpRange: n.dhcp?.server === "libvirt" ? `${n.dhcp.start}-${n.dhcp.end}` : null,
      hosts: n.dhcp?.server === "libvirt" ? sorted(n.reservations.map((r) => `${r.mac} ${r.name} ${r.ip}`)) : [],
    })),
    pool: { name: spec.pool.name, uuid: spec.pool.uuid, type: spec.pool.type, path: spec.pool.path },
    volumes: spec.volumes.map((v) => ({ name: v.name, capacityBytes: v.capacityBytes, format: v.format })),
    domains: spec.vms.map((vm) => ({
      name: vm.name,
      uuid: vm.uuid,
      type: spec.libvirt.domainType,
      memoryMiB: vm.memoryBytes / 2 ** 20,
      vcpus: vm.vcpus,
      disks: [`${spec.pool.name}/${vm.volume} ${vm.diskBus}`],
      isos: [vm.isos.install, vm.isos.virtio, vm.isos.media].filter((i): i is string => i !== undefined),
      nics: vm.nics.map((n) => `${n.mac} ${n.network} ${n.model}`),
      uefi: vm.firmware.uefi,
      nvram: vm.firmware.uefi ? vm.nvramPath : null,
      tpm: vm.tpm,
    })),
  };
}

// ---- from the Nix files, evaluated against the double
const asList = <T>(value: T | T[] | undefined | null): T[] => (value == null ? [] : Array.isArray(value) ? value : [value]);
const mib = (c: Count): number => bytes(c.count, c.unit) / 2 ** 20;

export function factsFromNix(lists: NixVirtLists): LabFacts {
  if (lists.pools.length !== 1) throw new Error(`expected one pool, found ${lists.pools.length}`);
  const [pool] = lists.pools;
  return {
    networks: lists.networks.map(({ definition: { args: n } }) => ({
      name: n.name,
      uuid: n.uuid,
      mac: n.mac.address,
      bridge: n.bridge.name,
      mode: n.forward?.mode ?? "isolated",
      address: n.ip.address,
      netmask: n.ip.netmask,
      dhcpRange: n.ip.dhcp ? `${n.ip.dhcp.range.start}-${n.ip.dhcp.range.end}` : null,
      hosts: sorted(asList(n.ip.dhcp?.host).map((h) => `${h.mac} ${h.name} ${h.ip}`)),
    })),
    pool: { name: pool.definition.args.name, uuid: pool.definition.args.uuid, type: pool.definition.args.type, path: pool.definition.args.target.path },
    volumes: pool.volumes.map(({ definition: { args: v } }) => ({ name: v.name, capacityBytes: bytes(v.capacity.count, v.capacity.unit), format: v.target.format.type })),
    domains: lists.domains.map(({ definition: { args: d } }) => {
      const disks = d.devices.disk;
      return {
        name: d.name,
        uuid: d.uuid,
        type: d.type,
        memoryMiB: mib(d.memory),
        vcpus: d.vcpu.count,
        disks: disks.filter((x) => x.device === "disk").map((x) => `${x.source?.pool}/${x.source?.volume} ${x.target.bus}`),
        isos: disks.filter((x) => x.device === "cdrom" && x.source?.file).map((x) => x.source!.file!),
        nics: asList<InterfaceDefinition>(d.devices.interface).map((i) => `${i.mac?.address} ${i.source.network ?? `bridge:${i.source.bridge}`} ${i.model?.type}`),
        uefi: d.os.firmware === "efi" || d.os.loader !== undefined,
        nvram: d.os.nvram?.path ?? null,
        tpm: d.devices.tpm != null,
      };
    }),
  };
}

// ---- from the libvirt XML the Pulumi path applies
type XmlNode = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false, isArray: (name) => ["disk", "interface", "host", "feature", "boot"].includes(name) });
const node = (value: unknown): XmlNode => (value ?? {}) as XmlNode;
const text = (value: unknown): string => (typeof value === "object" && value !== null ? String((value as XmlNode)["#text"] ?? "") : String(value ?? ""));
const attr = (value: unknown, name: string): string | undefined => (node(value)[`@${name}`] as string | undefined);

export interface Rendered {
  kind: "network" | "pool" | "volume" | "domain";
  name: string;
  xml: string;
}

export function factsFromXml(objects: Rendered[], poolName: string): LabFacts {
  const of = (kind: Rendered["kind"]) => objects.filter((o) => o.kind === kind).map((o) => node(parser.parse(o.xml))[kind === "pool" ? "pool" : kind]);
  const [pool] = of("pool");
  return {
    networks: of("network").map((n) => {
      const ip = node(node(n).ip);
      const dhcp = ip.dhcp ? node(ip.dhcp) : undefined;
      return {
        name: text(node(n).name),
        uuid: text(node(n).uuid),
        mac: attr(node(n).mac, "address")!,
        bridge: attr(node(n).bridge, "name")!,
        mode: attr(node(n).forward, "mode") ?? "isolated",
        address: attr(ip, "address")!,
        netmask: attr(ip, "netmask")!,
        dhcpRange: dhcp ? `${attr(dhcp.range, "start")}-${attr(dhcp.range, "end")}` : null,
        hosts: sorted(asList(dhcp?.host as XmlNode[] | undefined).map((h) => `${attr(h, "mac")} ${attr(h, "name")} ${attr(h, "ip")}`)),
      };
    }),
    pool: { name: text(node(pool).name), uuid: text(node(pool).uuid), type: attr(pool, "type")!, path: text(node(node(pool).target).path) },
    volumes: of("volume").map((v) => {
      const cap = node(v).capacity;
      return { name: text(node(v).name), capacityBytes: bytes(Number(text(cap)), attr(cap, "unit")), format: attr(node(node(v).target).format, "type")! };
    }),
    domains: of("domain").map((d) => {
      const dom = node(d);
      const os = node(dom.os);
      const devices = node(dom.devices);
      const disks = asList(devices.disk as XmlNode[]);
      const memory = dom.memory;
      return {
        name: text(dom.name),
        uuid: text(dom.uuid),
        type: attr(dom, "type")!,
        memoryMiB: bytes(Number(text(memory)), attr(memory, "unit") ?? "KiB") / 2 ** 20,
        vcpus: Number(text(dom.vcpu)),
        disks: disks.filter((x) => attr(x, "device") === "disk").map((x) => `${attr(x.source, "pool") ?? poolName}/${attr(x.source, "volume")} ${attr(x.target, "bus")}`),
        isos: disks.filter((x) => attr(x, "device") === "cdrom" && attr(x.source, "file")).map((x) => attr(x.source, "file")!),
        nics: asList(devices.interface as XmlNode[]).map((i) => `${attr(i.mac, "address")} ${attr(i.source, "network") ?? `bridge:${attr(i.source, "bridge")}`} ${attr(i.model, "type")}`),
        uefi: attr(os, "firmware") === "efi" || os.loader !== undefined,
        nvram: os.nvram !== undefined ? text(os.nvram) : null,
        tpm: devices.tpm !== undefined,
      };
    }),
  };
}
