// Checks that relate several values of the lab to each other. Each rule reports every
// violation it finds; none stops at the first.
import type { Draft, Located } from "./build";
import { inRange, isHostIn, notHostReason, overlaps, parseCidr, toInt } from "./ipv4";
import { configPath, Problems } from "./problems";
import type { NetworkSpec, VmSpec } from "./types";
import { GiB, formatBytes } from "./units";

type Path = PropertyKey[];

/** Reports the second and later holders of the same key. */
function unique<T>(items: T[], value: (item: T) => string | undefined, path: (item: T) => Path, what: string, problems: Problems, caseless = false): void {
  const first = new Map<string, T>();
  for (const item of items) {
    const v = value(item);
    if (v === undefined) continue;
    const k = caseless ? v.toLowerCase() : v;
    const seen = first.get(k);
    if (seen)
      problems.error(path(item), `${what} ${v} is already used at ${configPath(path(seen))}: each must be unique${caseless ? " (case does not count)" : ""}`);
    else first.set(k, item);
  }
}

const NETBIOS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/;
const LINUX_HOSTNAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const WINDOWS_DOMAIN_ROLES = new Set(["dc", "sql", "site-server", "client"]);
const RESERVED_SITE_CODES = new Set(["AUX", "CON", "NUL", "PRN", "SMS"]);

export function checkNames(d: Draft, problems: Problems): void {
  unique(
    d.vms,
    (v) => v.spec.name,
    (v) => ["vms", v.index, "name"],
    "VM name",
    problems,
    true,
  );
  // Without hostname:, the computer name is the VM name: errors name the key the user wrote.
  const hostnamePath = (v: Located<VmSpec>): Path => ["vms", v.index, d.explicitHostnames.has(v.index) ? "hostname" : "name"];
  unique(d.vms, (v) => v.spec.hostname, hostnamePath, "hostname", problems, true);
  unique(
    d.networks,
    (n) => n.spec.name,
    (n) => ["networks", n.index, "name"],
    "network name",
    problems,
  );
  unique(
    d.networks,
    (n) => n.spec.bridge,
    (n) => ["networks", n.index, "bridge"],
    "bridge",
    problems,
  );
  for (const { index, spec: n } of d.networks) {
    if (n.bridge.length > 15)
      problems.error(
        ["networks", index, "bridge"],
        `${n.bridge} is longer than 15 characters, the Linux limit for interface names: pick a shorter bridge name like virbr56`,
      );
  }
  for (const { index, spec: vm } of d.vms) {
    const path = hostnamePath({ index, spec: vm });
    if (vm.template === "windows") {
      if (!NETBIOS_PATTERN.test(vm.hostname)) {
        problems.error(
          path,
          `${vm.hostname} is not a valid Windows computer name: use 1 to 15 letters, digits or '-' (NetBIOS limit), starting with a letter or digit`,
        );
      } else if (/^\d+$/.test(vm.hostname)) {
        problems.error(path, `${vm.hostname} is all digits, which Windows refuses as a computer name: add a letter`);
      }
    } else if (!LINUX_HOSTNAME_PATTERN.test(vm.hostname)) {
      problems.error(path, `${vm.hostname} is not a valid hostname: use 1 to 63 letters, digits or '-', not starting or ending with '-'`);
    }
  }
}

export function checkIdentities(d: Draft, problems: Problems): void {
  const uuids = [
    ...d.networks.map((n) => ({ id: n.spec.uuid, path: ["networks", n.index, "uuid"] as Path })),
    ...(d.pool ? [{ id: d.pool.uuid, path: ["pool", "uuid"] as Path }] : []),
    ...d.vms.map((v) => ({ id: v.spec.uuid, path: ["vms", v.index, "uuid"] as Path })),
  ];
  unique(
    uuids,
    (u) => u.id,
    (u) => u.path,
    "UUID",
    problems,
  );
  const macs = [
    ...d.networks.map((n) => ({ mac: n.spec.mac, path: ["networks", n.index, "mac"] as Path })),
    ...d.vms.flatMap((v) => v.spec.nics.map((nic, i) => ({ mac: nic.mac, path: ["vms", v.index, "nics", i, "mac"] as Path }))),
  ];
  unique(
    macs,
    (m) => m.mac,
    (m) => m.path,
    "MAC",
    problems,
  );
  for (const m of macs) {
    if (parseInt(m.mac.slice(0, 2), 16) & 1)
      problems.error(m.path, `${m.mac} is a multicast address: a NIC needs a unicast MAC (the first byte must be even), e.g. 52:54:00:…`);
  }
}

export function checkNetworks(d: Draft, problems: Problems): void {
  d.networks.forEach(({ index, spec: n }, i) => {
    const cidr = parseCidr(n.subnet)!;
    if (!isHostIn(cidr, n.gateway))
      problems.error(
        ["networks", index, "gateway"],
        `${n.gateway} ${notHostReason(cidr, n.gateway)} ${n.name} ${n.subnet}, not a host address of it: pick one inside the subnet`,
      );
    if (n.dhcp) {
      const { start, end } = n.dhcp;
      for (const [key, ip] of [
        ["start", start],
        ["end", end],
      ] as const) {
        if (!isHostIn(cidr, ip))
          problems.error(
            ["networks", index, "dhcp", key],
            `${ip} ${notHostReason(cidr, ip)} ${n.name} ${n.subnet}: the DHCP range must lie inside the subnet, between its network and broadcast addresses`,
          );
      }
      if (toInt(start) > toInt(end)) problems.error(["networks", index, "dhcp"], `the range ${start} to ${end} is backwards: start must not be above end`);
      else if (inRange(n.gateway, start, end))
        problems.error(["networks", index, "dhcp"], `the range ${start} to ${end} contains the gateway ${n.gateway}: move the range or the gateway`);
    }
    for (const { index: other, spec: m } of d.networks.slice(i + 1)) {
      if (overlaps(cidr, parseCidr(m.subnet)!))
        problems.error(["networks", other, "subnet"], `${m.subnet} overlaps ${n.name} ${n.subnet}: give each network its own subnet`);
    }
  });
}

export function checkPaths(d: Draft, problems: Problems): void {
  // Absoluteness is a shape check (schema.ts); here only what needs two values at once.
  if (d.pool && d.pool.path.replace(/\/+$/, "") === "/var/lib/libvirt/images") {
    problems.warn(
      ["pool", "path"],
      "is libvirt's default pool directory: a folder of its own (e.g. /var/lib/libvirt/images/homelab) keeps the lab's disks apart",
    );
  }
}

function networkOf(d: Draft, name: string): Located<NetworkSpec> | undefined {
  return d.networks.find((n) => n.spec.name === name);
}

export function checkAddresses(d: Draft, problems: Problems): void {
  const used: { ip: string; path: Path }[] = d.networks.map((n) => ({ ip: n.spec.gateway, path: ["networks", n.index, "gateway"] as Path }));
  for (const { index, spec: vm } of d.vms) {
    vm.nics.forEach((nic, i) => {
      const path: Path = ["vms", index, "nics", i];
      const net = networkOf(d, nic.network);
      if (!net) {
        if (d.malformed.has(`networks/${nic.network}`)) return;
        const known = d.networks.map((n) => n.spec.name).join(", ") || "none";
        problems.error([...path, "network"], `${nic.network} is not a network of this lab (networks: ${known}): add it to homelab:networks or fix the name`);
        return;
      }
      if (!nic.ip) return;
      const key = nic.addressing === "static" ? "ip" : "reserve";
      const n = net.spec;
      const cidr = parseCidr(n.subnet)!;
      if (!isHostIn(cidr, nic.ip)) {
        const edge = notHostReason(cidr, nic.ip) !== "is outside";
        problems.error(
          [...path, key],
          `${nic.ip} ${notHostReason(cidr, nic.ip)} ${n.name} ${n.subnet}: pick ${edge ? "a host address, between the network and broadcast addresses" : "an address inside the subnet"}`,
        );
        return;
      }
      if (nic.addressing === "static" && n.dhcp && inRange(nic.ip, n.dhcp.start, n.dhcp.end)) {
        problems.error(
          [...path, key],
          `${nic.ip} is inside ${n.name}'s DHCP range ${n.dhcp.start} to ${n.dhcp.end}: pick a static address outside it, or use reserve: for a DHCP reservation`,
        );
      }
      if (nic.addressing === "reserved") {
        if (!n.dhcp)
          problems.error([...path, key], `${n.name} has no DHCP: a reservation needs homelab:networks[${net.index}].dhcp, or use ip: for a static address`);
        else if (n.dhcp.server === "dc" && !inRange(nic.ip, n.dhcp.start, n.dhcp.end)) {
          problems.error(
            [...path, key],
            `${nic.ip} is outside ${n.name}'s DHCP range ${n.dhcp.start} to ${n.dhcp.end}: Windows DHCP reserves only addresses inside its scope`,
          );
        }
      }
      used.push({ ip: nic.ip, path: [...path, key] });
    });
  }
  unique(
    used,
    (u) => u.ip,
    (u) => u.path,
    "IP address",
    problems,
  );
}

const WINDOWS_MINIMUM: Record<string, { memory: number; disk: number; tpm: boolean; secureBoot: boolean }> = {
  "windows-11": { memory: 4 * GiB, disk: 64e9, tpm: true, secureBoot: true },
  "windows-10": { memory: 2 * GiB, disk: 32e9, tpm: false, secureBoot: false },
  "windows-server-2022": { memory: 512 * 2 ** 20, disk: 32e9, tpm: false, secureBoot: false },
  "windows-server-2025": { memory: 512 * 2 ** 20, disk: 32e9, tpm: false, secureBoot: false },
};

/** What the anchors' builders give each role; below this is a warning, not an error. */
function roleMinimum(vm: VmSpec, d: Draft): { memory: number; disk: number; why: string } | undefined {
  switch (vm.role) {
    case "dc":
      return { memory: 2 * GiB, disk: 32e9, why: "a domain controller" };
    case "sql":
      return { memory: 8 * GiB, disk: 60 * GiB, why: "a SQL Server for SCCM" };
    case "site-server":
      return d.sccm?.sqlColocated
        ? { memory: 8 * GiB, disk: 60 * GiB, why: "a site server with SQL (below 8 GiB setup times out)" }
        : { memory: 4 * GiB, disk: 60 * GiB, why: "a site server (its prerequisite check wants 60 GiB of disk)" };
    default:
      return undefined;
  }
}

export function checkSizes(d: Draft, problems: Problems): void {
  for (const { index, spec: vm } of d.vms) {
    const at = (key: string): Path => ["vms", index, key];
    const memory = vm.memoryBytes;
    if (vm.firmware.secureBoot && !vm.firmware.uefi)
      problems.error(at("firmware"), "Secure Boot needs UEFI: set firmware.uefi true or firmware.secureBoot false");
    const min = WINDOWS_MINIMUM[vm.os];
    if (min) {
      if (memory < min.memory)
        problems.error(at("memory"), `${formatBytes(memory)} is below what the ${vm.os} installer accepts (${formatBytes(min.memory)}): give it at least that`);
      if (vm.diskBytes < min.disk)
        problems.error(
          at("disk"),
          `${formatBytes(vm.diskBytes)} is below what the ${vm.os} installer accepts (${min.disk / 1e9} GB): give it at least ${Math.ceil(min.disk / GiB)}GiB`,
        );
      if (min.tpm && !vm.tpm) problems.error(at("tpm"), `${vm.os} refuses to install without TPM 2.0: set tpm true (the host needs swtpm)`);
      if (min.secureBoot && !(vm.firmware.uefi && vm.firmware.secureBoot))
        problems.error(at("firmware"), `${vm.os} refuses to install without UEFI Secure Boot: set firmware.uefi and firmware.secureBoot true`);
    }
    const want = roleMinimum(vm, d);
    if (want) {
      if (memory < want.memory)
        problems.warn(at("memory"), `${formatBytes(memory)} is less than ${formatBytes(want.memory)}, what ${want.why} is given by other lab builders`);
      if (vm.diskBytes < want.disk)
        problems.warn(at("disk"), `${formatBytes(vm.diskBytes)} is less than ${formatBytes(want.disk)}, what ${want.why} is given by other lab builders`);
    }
  }
}

export function checkRoles(d: Draft, problems: Problems): void {
  const byName = new Map(d.vms.map((v) => [v.spec.name, v]));
  for (const { index, spec: vm } of d.vms) {
    if (vm.role === "linux" && vm.template !== "linux")
      problems.error(["vms", index, "role"], `role linux needs os linux, not ${vm.os}: set os: linux, or role: windows for a plain Windows VM`);
    if (vm.role !== "linux" && vm.template === "linux")
      problems.error(["vms", index, "role"], `role ${vm.role} needs a Windows OS: set os to a Windows version, or role: linux`);
    if (WINDOWS_DOMAIN_ROLES.has(vm.role) && !d.domain && !d.malformed.has("domain")) {
      problems.error(
        ["vms", index, "role"],
        `role ${vm.role} needs an Active Directory domain: add homelab:domain (fqdn, netbios, dc), or use role: windows for a VM outside any domain`,
      );
    }
  }
  const dcs = d.vms.filter((v) => v.spec.role === "dc");
  dcs
    .slice(1)
    .forEach((v) =>
      problems.error(
        ["vms", v.index, "role"],
        `a second DC (${v.spec.name}) in one forest is not supported; ${dcs[0].spec.name} is the DC: give this VM another role`,
      ),
    );
  if (d.domain) {
    // A DC that failed its own checks is reported there; saying it is missing would mislead.
    const dcMalformed = d.malformed.has(`vms/${d.domain.dc}`);
    if (dcs.length === 0 && !dcMalformed) problems.error(["domain", "dc"], "the lab has no VM with role dc: add one, or remove homelab:domain");
    const dc = byName.get(d.domain.dc);
    if (dcMalformed) {
      /* reported at the VM */
    } else if (!dc) problems.error(["domain", "dc"], `${d.domain.dc} is not a VM of this lab: name the VM with role dc`);
    else if (dc.spec.role !== "dc") problems.error(["domain", "dc"], `${d.domain.dc} has role ${dc.spec.role}, not dc: name the VM with role dc`);
    if (d.domain.fqdn.endsWith(".local"))
      problems.warn(["domain", "fqdn"], "a .local suffix collides with multicast DNS: prefer a name under a domain you own, or .test");
    const clash = d.vms.find((v) => v.spec.hostname.toUpperCase() === d.domain!.netbios);
    if (clash)
      problems.error(
        ["domain", "netbios"],
        `${d.domain.netbios} is also the hostname of ${clash.spec.name}: a NetBIOS domain name must differ from every computer name`,
      );
  }
  checkSccm(d, byName, problems);
}

function checkSccm(d: Draft, byName: Map<string, Located<VmSpec>>, problems: Problems): void {
  const siteServers = d.vms.filter((v) => v.spec.role === "site-server");
  const sqls = d.vms.filter((v) => v.spec.role === "sql");
  if (!d.sccm) {
    if (d.malformed.has("sccm")) return;
    for (const v of [...siteServers, ...sqls])
      problems.error(["vms", v.index, "role"], `role ${v.spec.role} needs homelab:sccm (siteCode, siteServer, sqlServer)`);
    return;
  }
  const s = d.sccm;
  if (!d.domain && !d.malformed.has("domain")) problems.error(["sccm"], "an SCCM site needs an Active Directory domain: add homelab:domain");
  if (RESERVED_SITE_CODES.has(s.siteCode))
    problems.error(["sccm", "siteCode"], `${s.siteCode} is reserved by Windows or SCCM (AUX, CON, NUL, PRN, SMS): pick another, e.g. PS1`);
  siteServers
    .slice(1)
    .forEach((v) => problems.error(["vms", v.index, "role"], `a second site server (${v.spec.name}) is not supported: one primary site per lab`));
  const server = byName.get(s.siteServer);
  if (!server && d.malformed.has(`vms/${s.siteServer}`)) {
    /* reported at the VM */
  } else if (!server) problems.error(["sccm", "siteServer"], `${s.siteServer} is not a VM of this lab: name the VM with role site-server`);
  else if (server.spec.role !== "site-server") problems.error(["sccm", "siteServer"], `${s.siteServer} has role ${server.spec.role}, not site-server`);
  if (!s.sqlServer) {
    problems.error(
      ["sccm", "sqlServer"],
      `the site server ${s.siteServer} has no SQL Server: name a VM with role sql, or the site server itself to host SQL on it`,
    );
    return;
  }
  const sql = byName.get(s.sqlServer);
  if (!sql && d.malformed.has(`vms/${s.sqlServer}`)) {
    /* reported at the VM */
  } else if (!sql) problems.error(["sccm", "sqlServer"], `${s.sqlServer} is not a VM of this lab: name a VM with role sql, or the site server itself`);
  else if (!s.sqlColocated && sql.spec.role !== "sql")
    problems.error(["sccm", "sqlServer"], `${s.sqlServer} has role ${sql.spec.role}: SQL goes on a VM with role sql, or on the site server itself`);
  for (const v of sqls) {
    if (v.spec.name !== s.sqlServer)
      problems.error(["vms", v.index, "role"], `${v.spec.name} has role sql but homelab:sccm.sqlServer is ${s.sqlServer}: one SQL Server per site`);
  }
}

/** Every Windows VM that a phase will reach needs an address the host knows before the DC exists. */
export function checkReachability(d: Draft, problems: Problems): void {
  for (const { index, spec: vm } of d.vms) {
    // Every Windows VM gets phases (WinRM check, rename, network), not only domain members.
    if (vm.template !== "windows") continue;
    const reachable = vm.nics.some(
      (nic) => nic.addressing === "static" || (nic.addressing === "reserved" && networkOf(d, nic.network)?.spec.dhcp?.server === "libvirt"),
    );
    if (!reachable) {
      problems.error(
        ["vms", index, "nics"],
        `${vm.name} has no address the host can reach it at: give one NIC a static ip:, or a reserve: on a network whose DHCP libvirt serves`,
      );
    }
    if (vm.role === "dc") {
      vm.nics.forEach((nic, i) => {
        if (nic.addressing !== "static")
          problems.error(
            ["vms", index, "nics", i],
            `the DC ${vm.name} needs a static ip: on ${nic.network}: a DNS server and DHCP server must not take its address from DHCP`,
          );
      });
    }
  }
  for (const { index, spec: n } of d.networks) {
    if (n.dhcp?.server !== "dc") continue;
    const dc = d.vms.find((v) => v.spec.role === "dc");
    if (!dc) problems.error(["networks", index, "dhcp", "server"], "is dc but the lab has no domain controller: set server: libvirt");
    else if (!dc.spec.nics.some((nic) => nic.network === n.name)) {
      problems.error(["networks", index, "dhcp", "server"], `is dc but the DC ${dc.spec.name} has no NIC on ${n.name}: attach it, or set server: libvirt`);
    }
  }
}
