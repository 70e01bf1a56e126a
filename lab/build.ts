// Applies defaults and derives identities: parsed config in, LabSpec parts out.
import { deriveMac, deriveUuid, normalizeMac, normalizeUuid } from "./identity";
import { fromInt, netmask, parseCidr } from "./ipv4";
import type { Indexed, ParsedConfig } from "./parse";
import { Problems } from "./problems";
import type { RawVm } from "./schema";
import type { AdDomainSpec, LibvirtSpec, MediaSpec, NetworkSpec, NicSpec, OsTemplate, PoolSpec, SccmSpec, VmSpec, VolumeSpec } from "./types";
import { MiB, parseSize } from "./units";

export interface Located<T> {
  /** Position of the object in its config list, for error paths. */
  index: number;
  spec: T;
}

/** The site as configured: the SQL host may still be unknown until checkSccm has run. */
/** The domain and the site as written; loadLabSpec resolves their VMs once validation has proven them. */
export type DraftDomain = Omit<AdDomainSpec, "dcVm">;
export type DraftSccm = Omit<SccmSpec, "sqlServer" | "siteServerVm" | "sqlVm"> & { sqlServer?: string };

export interface Draft {
  libvirt: LibvirtSpec;
  networks: Located<NetworkSpec>[];
  pool?: PoolSpec;
  vms: Located<VmSpec>[];
  volumes: VolumeSpec[];
  domain?: DraftDomain;
  sccm?: DraftSccm;
  media?: MediaSpec;
  /** Indexes of the VMs whose hostname the config sets; the others take their VM name, and errors name that key. */
  explicitHostnames: ReadonlySet<number>;
  /** Keys (and "networks/<name>") present in the config but malformed, so that later checks do not report them again as missing. */
  malformed: ReadonlySet<string>;
}

function buildNetwork(
  stack: string,
  { index, value: n }: Indexed<ParsedConfig["networks"][number]["value"]>,
  problems: Problems,
): Located<NetworkSpec> | undefined {
  const cidr = parseCidr(n.subnet);
  if (!cidr) {
    problems.error(
      ["networks", index, "subnet"],
      `${n.subnet} is not a network address with a prefix from /8 to /30: write the first address of the subnet, e.g. 192.168.56.0/24`,
    );
    return undefined;
  }
  return {
    index,
    spec: {
      name: n.name,
      uuid: n.uuid ? normalizeUuid(n.uuid) : deriveUuid(stack, "network", n.name),
      bridge: n.bridge,
      mac: n.mac ? normalizeMac(n.mac) : deriveMac(stack, "network", n.name),
      mode: n.mode,
      subnet: n.subnet,
      prefix: cidr.prefix,
      netmask: netmask(cidr.prefix),
      gateway: n.gateway ?? fromInt(cidr.network + 1),
      dhcp: n.dhcp ? { start: n.dhcp.start, end: n.dhcp.end, server: n.dhcp.server } : undefined,
      reservations: [],
      autostart: n.autostart,
      active: n.active,
    },
  };
}

const templateOf = (os: RawVm["os"]): OsTemplate => (os === "linux" ? "linux" : "windows");

function buildVm(stack: string, { index, value: v }: Indexed<RawVm>, libvirt: LibvirtSpec, winrmUser: string, problems: Problems): Located<VmSpec> | undefined {
  const template = templateOf(v.os);
  const windows = template === "windows";
  const memoryBytes = parseSize(v.memory);
  const diskBytes = parseSize(v.disk);
  let ok = true;
  if (memoryBytes === undefined || memoryBytes < 256 * MiB || memoryBytes % MiB !== 0) {
    problems.error(["vms", index, "memory"], `${v.memory} is not a usable memory size: give a whole number of MiB, at least 256MiB, e.g. 4GiB`);
    ok = false;
  }
  if (diskBytes === undefined) {
    // The schema proved the shape, so only a number too large for a double is left.
    problems.error(["vms", index, "disk"], `${v.disk} is too large to be a disk size: give a size like 64GiB`);
    ok = false;
  } else if (diskBytes < 2 ** 30) {
    problems.error(["vms", index, "disk"], `${v.disk} is too small for a system disk: give at least 1GiB, e.g. 64GiB`);
    ok = false;
  }
  if (!ok || memoryBytes === undefined || diskBytes === undefined) return undefined;
  const nicCount = new Map<string, number>();
  const nics: NicSpec[] = v.nics.map((nic, n) => {
    const nth = nicCount.get(nic.network) ?? 0;
    nicCount.set(nic.network, nth + 1);
    if (nic.ip && nic.reserve) {
      problems.error(["vms", index, "nics", n], "sets both ip (static, configured in the guest) and reserve (a DHCP reservation): keep one");
    }
    const common = {
      network: nic.network,
      mac: nic.mac ? normalizeMac(nic.mac) : deriveMac(stack, "nic", v.name, nic.network, String(nth)),
      model: nic.model ?? (windows ? "e1000e" : "virtio"),
    };
    if (nic.ip) return { ...common, addressing: "static", ip: nic.ip };
    if (nic.reserve) return { ...common, addressing: "reserved", ip: nic.reserve };
    return { ...common, addressing: "dhcp" };
  });
  const uefi = v.firmware?.uefi ?? true;
  return {
    index,
    spec: {
      name: v.name,
      hostname: v.hostname ?? v.name,
      uuid: v.uuid ? normalizeUuid(v.uuid) : deriveUuid(stack, "vm", v.name),
      role: v.role,
      os: v.os,
      template,
      vcpus: v.vcpus,
      memoryBytes,
      diskBytes,
      diskBus: v.diskBus ?? (windows ? "sata" : "virtio"),
      volume: `${v.name}.qcow2`,
      nics,
      isos: { install: v.iso, virtio: v.virtioIso },
      firmware: { uefi, secureBoot: v.firmware?.secureBoot ?? (windows && uefi) },
      tpm: v.tpm ?? windows,
      nvramPath: `${libvirt.nvramDir}/${v.name}_VARS.fd`,
      start: v.start,
      winrmUser: v.winrmUser ?? winrmUser,
    },
  };
}

function domainDn(fqdn: string): string {
  return fqdn
    .split(".")
    .map((label) => `DC=${label}`)
    .join(",");
}

export function buildDraft(stack: string, parsed: ParsedConfig, problems: Problems): Draft {
  const { uri, domainType, nvramDir, graphics } = parsed.scalars;
  const libvirt: LibvirtSpec = { uri, domainType, nvramDir: nvramDir.replace(/\/+$/, ""), graphics };
  const networks = parsed.networks.map((n) => buildNetwork(stack, n, problems)).filter((n): n is Located<NetworkSpec> => n !== undefined);
  const pool: PoolSpec | undefined = parsed.pool && {
    name: parsed.pool.name,
    uuid: parsed.pool.uuid ? normalizeUuid(parsed.pool.uuid) : deriveUuid(stack, "pool", parsed.pool.name),
    type: "dir",
    path: parsed.pool.path,
    autostart: parsed.pool.autostart,
    active: parsed.pool.active,
  };
  const poolName = pool?.name ?? "";
  const vms = parsed.vms.map((v) => buildVm(stack, v, libvirt, parsed.scalars.winrmUser, problems)).filter((v): v is Located<VmSpec> => v !== undefined);
  const volumes: VolumeSpec[] = vms.map(({ spec: vm }) => ({
    name: vm.volume,
    pool: poolName,
    vm: vm.name,
    capacityBytes: vm.diskBytes,
    format: "qcow2",
    deleteOnDestroy: parsed.pool?.deleteVolumesOnDestroy ?? false,
  }));
  const domain: DraftDomain | undefined = parsed.domain && {
    fqdn: parsed.domain.fqdn.toLowerCase(),
    netbios: parsed.domain.netbios.toUpperCase(),
    dn: domainDn(parsed.domain.fqdn.toLowerCase()),
    dc: parsed.domain.dc,
    forwarders: parsed.domain.forwarders ?? [],
  };
  // With no sqlServer named, the one VM with role sql hosts the database; with none or several,
  // the draft has none and checkSccm says so (a validated spec always names one).
  const sqlVms = vms.filter((v) => v.spec.role === "sql");
  const sqlServer = parsed.sccm?.sqlServer ?? (sqlVms.length === 1 ? sqlVms[0].spec.name : undefined);
  const sccm: DraftSccm | undefined = parsed.sccm && {
    siteCode: parsed.sccm.siteCode.toUpperCase(),
    siteName: parsed.sccm.siteName,
    siteServer: parsed.sccm.siteServer,
    sqlServer,
    sqlColocated: sqlServer === parsed.sccm.siteServer,
  };
  const explicitHostnames = new Set(parsed.vms.filter((v) => v.value.hostname !== undefined).map((v) => v.index));
  const malformed = new Set(parsed.malformed);
  for (const n of parsed.networks) if (!networks.some((b) => b.index === n.index)) malformed.add(`networks/${n.value.name}`);
  for (const v of parsed.vms) if (!vms.some((b) => b.index === v.index)) malformed.add(`vms/${v.value.name}`);
  return { libvirt, networks, pool, vms, volumes, domain, sccm, media: parsed.media, explicitHostnames, malformed };
}
