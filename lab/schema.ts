// The shape of each `homelab:*` stack config key. Shape only: checks that relate
// several values (addresses against subnets, roles against each other) live in rules.ts.
import { z } from "zod";
import { IPV4_PATTERN } from "./ipv4";
import { SIZE_HINT, SIZE_PATTERN } from "./units";

/** QEMU 7.2 (Debian 12): "The max CPUs supported by machine 'pc-q35-7.2' is 288" (measured with -smp 300). */
export const Q35_MAX_VCPUS = 288;

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const NAME_HINT = "use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit";
export const MAC_PATTERN = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;
export const UUID_PATTERN = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

const name = z.string({ error: `expected a name: ${NAME_HINT}` }).regex(NAME_PATTERN, { error: `is not a libvirt-safe name: ${NAME_HINT}` });
const ipv4 = z
  .string({ error: "expected an IPv4 address like 192.168.56.10" })
  .regex(IPV4_PATTERN, { error: "is not an IPv4 address: write it like 192.168.56.10" });
const mac = z
  .string({ error: "expected a MAC address" })
  .regex(MAC_PATTERN, { error: "is not a MAC address: write six hex pairs like 52:54:00:12:34:56, or leave it out to derive one" });
const uuid = z
  .string({ error: "expected a UUID" })
  .regex(UUID_PATTERN, { error: "is not a UUID: write it like 8-4-4-4-12 hex digits, or leave it out to derive one" });
// A control character (a trailing newline pasted with the path) or a ".." segment makes the
// path name another file than the one the user sees, so both are refused rather than normalized.
const absPath = z
  .string({ error: "expected an absolute path" })
  .regex(/^\/\S/, { error: "must be an absolute path (start with /)" })
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, { error: "contains a control character (a line break or tab pasted with it?): write the path on one line without them" })
  .refine((path) => !path.split("/").includes(".."), { error: "contains a .. segment: write the path without it, as the folder it leads to" });
const size = z.string({ error: `expected a size: ${SIZE_HINT}` }).regex(SIZE_PATTERN, { error: `is not a size: ${SIZE_HINT}` });

/** The account the host's WinRM phases log on with (homelab:winrmUser, or per VM vms[].winrmUser). */
const logonUser = z
  .string({ error: "expected a user name like Administrator" })
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]+$/, { error: "must be a user name on one line, like Administrator" });

// Scalar keys: Pulumi.yaml declares them with the same types and defaults (a test keeps the two equal).
export const scalarSchemas = {
  uri: z
    .string({ error: "expected a libvirt connection URI" })
    .regex(/^[a-z][a-z0-9+]*:\/\/[^\s]*\/(system|session)(\?[^\s]*)?$/, {
      error: "is not a libvirt connection URI: use qemu:///system, or qemu+ssh://user@host/system for a remote hypervisor",
    })
    .default("qemu:///system"),
  domainType: z.enum(["kvm", "qemu"], { error: "must be kvm (hardware virtualization) or qemu (software emulation, for hosts without KVM)" }).default("kvm"),
  nvramDir: absPath.default("/var/lib/libvirt/qemu/nvram"),
  graphics: z.enum(["vnc", "spice"], { error: "must be vnc or spice" }).default("vnc"),
  guestPhases: z.boolean({ error: "write true or false" }).default(true),
  winrmTransport: z.enum(["ntlm", "basic", "basic-https"], { error: "must be ntlm, basic or basic-https" }).default("ntlm"),
  winrmUser: logonUser.default("Administrator"),
  // Unattended Windows install (issue 12): the answer ISO and the wait for the install marker.
  install: z
    .enum(["unattended", "manual"], { error: "must be unattended (answer file, no hands) or manual (you install Windows yourself)" })
    .default("unattended"),
  installTimeoutMinutes: z
    .number({ error: "must be a whole number of minutes" })
    .int({ error: "must be a whole number of minutes" })
    .min(1, { error: "must be at least 1" })
    .optional(),
  // ---- base images (issue 13): how each Windows VM's disk comes from its edition's base image.
  disks: z.enum(["linked", "full"], { error: "must be linked (a qcow2 overlay on the base image) or full (an independent copy of it)" }).optional(),
  replaceClonesOnBaseChange: z.boolean({ error: "write true or false" }).default(false),
  // ---- end base images
  checkpoints: z
    .enum(["auto", "off"], {
      error: "must be auto (checkpoint the VMs before SQL setup and the ConfigMgr site install, revert and retry once on failure) or off",
    })
    .default("auto"),
} as const;
export type ScalarKey = keyof typeof scalarSchemas;
export type Scalars = { [K in ScalarKey]: z.output<(typeof scalarSchemas)[K]> };

export const networkSchema = z.strictObject({
  name,
  uuid: uuid.optional(),
  // Its length is checked in rules.ts, so that a long name does not hide the network from the other checks.
  bridge: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: "is not a valid bridge name: use letters, digits, '-', '_' or '.'" }),
  mac: mac.optional(),
  mode: z.enum(["nat", "route", "isolated"], { error: "must be nat, route or isolated" }).default("nat"),
  subnet: z.string().regex(/^[\d.]+\/\d{1,2}$/, { error: "is not a subnet: write it in CIDR form like 192.168.56.0/24" }),
  gateway: ipv4.optional(),
  dhcp: z
    .strictObject({
      start: ipv4,
      end: ipv4,
      server: z.enum(["libvirt", "dc"], { error: "must be libvirt (dnsmasq answers) or dc (the domain controller's DHCP answers)" }).default("libvirt"),
    })
    .optional(),
  autostart: z.boolean().default(true),
  active: z.boolean().default(true),
});

export const poolSchema = z.strictObject({
  name,
  uuid: uuid.optional(),
  type: z.literal("dir", { error: "only type dir is supported" }).default("dir"),
  path: absPath,
  autostart: z.boolean().default(true),
  active: z.boolean().default(true),
  deleteVolumesOnDestroy: z.boolean().default(false),
});

export const nicSchema = z.strictObject({
  network: name,
  mac: mac.optional(),
  ip: ipv4.optional(),
  reserve: ipv4.optional(),
  model: z.enum(["e1000e", "virtio"], { error: "must be e1000e or virtio (virtio needs the VirtIO drivers in Windows)" }).optional(),
});

export const ROLES = ["dc", "sql", "site-server", "client", "windows", "linux"] as const;
export const OS_NAMES = ["windows-server-2022", "windows-server-2025", "windows-11", "windows-10", "linux"] as const;

export const vmSchema = z.strictObject({
  name,
  hostname: z.string().optional(),
  uuid: uuid.optional(),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }),
  os: z.enum(OS_NAMES, { error: `must be one of ${OS_NAMES.join(", ")}` }),
  vcpus: z
    .number({ error: "write a whole number like 4" })
    .int({ error: "must be a whole number of virtual CPUs, like 4" })
    .min(1, { error: "must be at least 1" })
    .max(Q35_MAX_VCPUS, { error: `is more than QEMU's q35 machine type accepts (pc-q35-7.2: at most ${Q35_MAX_VCPUS} vCPUs): give at most ${Q35_MAX_VCPUS}` }),
  memory: size,
  disk: size,
  diskBus: z.enum(["sata", "virtio"], { error: "must be sata or virtio" }).optional(),
  nics: z.array(nicSchema, { error: "must be a list of NICs, each with a network" }).min(1, { error: "needs at least one NIC" }),
  iso: absPath.optional(),
  virtioIso: absPath.optional(),
  firmware: z.strictObject({ uefi: z.boolean().optional(), secureBoot: z.boolean().optional() }).optional(),
  tpm: z.boolean().optional(),
  start: z.boolean().default(true),
  winrmUser: logonUser.optional(),
});

export const domainSchema = z.strictObject({
  fqdn: z.string().regex(/^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i, {
    error: "is not a DNS domain name: write it like corp.lab.test (at least two labels)",
  }),
  netbios: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/, {
    error: "is not a NetBIOS domain name: 1 to 15 letters, digits or '-', starting with a letter or digit",
  }),
  dc: name,
  forwarders: z.array(ipv4).optional(),
});

export const sccmSchema = z.strictObject({
  siteCode: z.string().regex(/^[A-Za-z0-9]{3}$/, { error: "must be exactly three letters or digits, e.g. PS1" }),
  // ConfigMgr setup reads the site name from its /SCRIPT ini, which phases/ini.ts writes as printable ASCII on one line.
  siteName: z
    .string({ error: "expected a site name like Homelab Primary Site" })
    .min(1, { error: "must not be empty: write a name like Homelab Primary Site" })
    .max(50, { error: "must be at most 50 characters" })
    .regex(/^[\x20-\x7e]*$/, {
      error: "must be printable ASCII on one line (the ConfigMgr setup ini carries nothing else): write it like Homelab Primary Site",
    })
    .default("Homelab Primary Site"),
  siteServer: name,
  sqlServer: name.optional(),
});

export const mediaSchema = z.strictObject({
  dir: absPath,
  iso: absPath,
  /** The lock of first-use hashes, when not the project's media/media.lock.json (a per-host lock, or a test's). */
  lock: absPath.optional(),
});

/** The config keys, under the `homelab` namespace, that hold passwords: never plain values. */
export const SECRET_KEYS = {
  adminPassword: "the local and domain Administrator password",
  dsrmPassword: "the Directory Services Restore Mode password of the forest",
  sqlServicePassword: "the SQL Server service account password",
  networkAccessPassword: "the SCCM network access account password",
  clientPushPassword: "the SCCM client push account password",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

export const TOP_LEVEL_KEYS = [...Object.keys(scalarSchemas), "networks", "pool", "vms", "domain", "sccm", "media", ...Object.keys(SECRET_KEYS)];

export type RawNetwork = z.output<typeof networkSchema>;
export type RawPool = z.output<typeof poolSchema>;
export type RawVm = z.output<typeof vmSchema>;
export type RawNic = z.output<typeof nicSchema>;
export type RawDomain = z.output<typeof domainSchema>;
export type RawSccm = z.output<typeof sccmSchema>;
export type RawMedia = z.output<typeof mediaSchema>;
