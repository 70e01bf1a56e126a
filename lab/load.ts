// The one entry point: a stack's config in, a validated LabSpec (or every problem) out.
import { buildDraft, Draft } from "./build";
import { parseConfig } from "./parse";
import { Problems } from "./problems";
import { checkAddresses, checkIdentities, checkNames, checkNetworks, checkPaths, checkReachability, checkRoles, checkSizes } from "./rules";
import { checkForwarders, checkLibvirtNames, checkLimits, checkLogonUsers, checkMacs, checkMediaPaths, checkMembership, checkReservedWords } from "./sense";
import { SECRET_KEYS, SecretKey } from "./schema";
import type { DraftSccm } from "./build";
import { isReachable } from "./types";
import type { DhcpReservation, LabProblem, LabResult, LabSite, LabSpec, NetworkSpec, PoolSpec, ReachableVmSpec, SecretRef, VmSpec } from "./types";

export interface StackConfig {
  stack: string;
  /** Values of the `homelab` namespace, keys without the `homelab:` prefix. Secret values may be absent. */
  config: Record<string, unknown>;
  /** Keys whose values are Pulumi secrets. */
  secretKeys?: ReadonlySet<string>;
}

const MEDIA_ROLES = new Set(["dc", "sql", "site-server"]);

function requiredSecrets(spec: Pick<LabSpec, "vms" | "domain" | "sccm">): SecretRef[] {
  const keys: SecretKey[] = [];
  if (spec.vms.some((vm) => vm.template === "windows")) keys.push("adminPassword");
  if (spec.domain) keys.push("dsrmPassword");
  if (spec.sccm) keys.push("sqlServicePassword", "networkAccessPassword", "clientPushPassword");
  return keys.map((key) => ({ key, purpose: SECRET_KEYS[key] }));
}

function checkSecrets(input: StackConfig, problems: Problems): void {
  for (const key of Object.keys(SECRET_KEYS)) {
    if (input.config[key] !== undefined && !input.secretKeys?.has(key)) {
      problems.error([key], `holds a password in plain config: remove it and run \`pulumi config set --secret homelab:${key}\``);
    }
  }
}

function reservationsFor(network: NetworkSpec, vms: VmSpec[]): DhcpReservation[] {
  return vms.flatMap((vm) =>
    vm.nics.flatMap((nic) =>
      nic.network === network.name && nic.addressing === "reserved" ? [{ mac: nic.mac, name: vm.hostname, ip: nic.ip, vm: vm.name }] : [],
    ),
  );
}

/**
 * With guest phases on, every secret they use must be set: `pulumi up` stops at the first missing
 * one (index.ts reads them with requireSecret), and `render` reports them all. Kept out of
 * loadLabSpec, since `npm run up` loads the spec first to learn which secrets to ask for.
 */
export function missingPhaseSecrets(input: StackConfig, spec: LabSpec): LabProblem[] {
  if (!spec.guest.phases) return [];
  const problems = new Problems();
  for (const { key, purpose } of spec.secrets) {
    if (input.config[key] === undefined) {
      problems.error(
        [key],
        `is not set, and homelab:guestPhases is on: run \`pulumi config set --secret homelab:${key}\` (${purpose}), or turn the phases off`,
      );
    }
  }
  return problems.errors;
}

function managementIp(vm: VmSpec, networks: NetworkSpec[]): string | undefined {
  const served = (name: string) => networks.find((n) => n.name === name)?.dhcp?.server === "libvirt";
  return vm.nics.find((nic) => nic.addressing === "static")?.ip ?? vm.nics.find((nic) => nic.addressing === "reserved" && served(nic.network))?.ip;
}

type Scalars = {
  guestPhases: boolean;
  winrmTransport: LabSpec["guest"]["transport"];
  winrmUser: string;
  install: LabSpec["guest"]["install"];
  installTimeoutMinutes?: number;
  checkpoints: LabSpec["guest"]["checkpoints"];
  disks?: LabSpec["disks"]; // base images (issue 13)
  replaceClonesOnBaseChange: boolean; // base images (issue 13)
};

/** The spec from a draft that passed every rule: what the rules proved (a pool, a SQL host) is carried as plain values. */
/**
 * A VM the rules proved is in the lab and reachable (checkRoles, checkReachability), as the type
 * that says so. Throwing here means a rule let a config through that it should have refused.
 */
function provenVm(vms: VmSpec[], name: string, key: string): ReachableVmSpec {
  const vm = vms.find((v) => v.name === name);
  if (!vm || !isReachable(vm)) throw new Error(`internal: validation passed, but ${key} ${name} is not a reachable VM of the lab`);
  return vm;
}

function finish(input: StackConfig, d: Draft & { pool: PoolSpec }, sccm: (DraftSccm & { sqlServer: string }) | undefined, scalars: Scalars): LabSpec {
  const media = d.media;
  const networks = d.networks.map(({ spec }) => spec);
  const vms = d.vms.map(({ spec }) => ({
    ...spec,
    isos: { ...spec.isos, ...(media && MEDIA_ROLES.has(spec.role) ? { media: media.iso } : {}) },
    managementIp: managementIp(spec, networks),
  }));
  for (const n of networks) n.reservations = reservationsFor(n, vms);
  const domain = d.domain && { ...d.domain, dcVm: provenVm(vms, d.domain.dc, "homelab:domain.dc") };
  // ---- default DNS forwarder (wave/phases, issue 11 item 9): libvirt's DNS exists only on a network libvirt
  // serves (where the DC answers DHCP, libvirt renders <dns enable='no'/>), so the default is the gateway of
  // the first such network the DC has a static address on; phases/generated.ts forwarderProblem checks any value.
  if (domain && domain.forwarders.length === 0) {
    const served = (nic: { network: string; addressing: string }) =>
      nic.addressing === "static" && networks.find((n) => n.name === nic.network)?.dhcp?.server !== "dc";
    const nic = domain.dcVm.nics.find(served);
    const gateway = networks.find((n) => n.name === nic?.network)?.gateway;
    if (gateway) domain.forwarders = [gateway];
  }
  // ---- end default DNS forwarder
  if (sccm && !domain) throw new Error("internal: validation passed an SCCM site without a domain");
  const site: LabSite =
    sccm && domain
      ? {
          domain,
          sccm: {
            ...sccm,
            siteServerVm: provenVm(vms, sccm.siteServer, "homelab:sccm.siteServer"),
            sqlVm: provenVm(vms, sccm.sqlServer, "homelab:sccm.sqlServer"),
          },
        }
      : { domain };
  const spec: LabSpec = {
    stack: input.stack,
    libvirt: d.libvirt,
    networks,
    pool: d.pool,
    volumes: d.volumes,
    vms,
    ...site,
    secrets: [],
    guest: {
      phases: scalars.guestPhases,
      transport: scalars.winrmTransport,
      port: scalars.winrmTransport === "basic-https" ? 5986 : 5985,
      user: scalars.winrmUser,
      install: scalars.install,
      ...(scalars.installTimeoutMinutes !== undefined ? { installTimeoutMinutes: scalars.installTimeoutMinutes } : {}),
      checkpoints: scalars.checkpoints,
    },
    media,
    // base images (issue 13)
    ...(scalars.disks !== undefined ? { disks: scalars.disks, replaceClonesOnBaseChange: scalars.replaceClonesOnBaseChange } : {}),
  };
  spec.secrets = requiredSecrets(spec);
  return spec;
}

export function loadLabSpec(input: StackConfig): LabResult {
  const problems = new Problems();
  if (!/^[A-Za-z0-9_.-]+$/.test(input.stack))
    problems.error([], `stack name ${JSON.stringify(input.stack)} is not usable: use letters, digits, '-', '_' or '.'`);
  const parsed = parseConfig(input.config, problems);
  const draft = buildDraft(input.stack, parsed, problems);
  const rules = [
    checkNames,
    checkIdentities,
    checkNetworks,
    checkPaths,
    checkAddresses,
    checkSizes,
    checkRoles,
    checkReachability,
    checkLibvirtNames,
    checkReservedWords,
    checkMacs,
    checkLimits,
    checkMediaPaths,
    checkMembership,
    checkForwarders,
  ];
  for (const rule of rules) rule(draft, problems);
  checkSecrets(input, problems);
  if (parsed.scalars.install === "unattended") checkLogonUsers(draft, parsed.scalars.winrmUser, problems);
  // ---- base images (issue 13)
  if (parsed.scalars.disks !== undefined && parsed.scalars.install !== "unattended") {
    problems.error(
      ["disks"],
      `${parsed.scalars.disks}: base images are built by the unattended install, but homelab:install is ${parsed.scalars.install}: set homelab:install to unattended, or leave homelab:disks unset`,
    );
  }
  if (parsed.scalars.replaceClonesOnBaseChange && parsed.scalars.disks === undefined) {
    problems.error(
      ["replaceClonesOnBaseChange"],
      "true: there are no clones to replace, since homelab:disks is unset (each VM installs onto its own blank disk): set homelab:disks to linked or full, or remove homelab:replaceClonesOnBaseChange",
    );
  }
  // ---- end base images
  const { pool, sccm } = draft;
  const sqlServer = sccm?.sqlServer;
  if (problems.errors.length > 0 || !pool || (sccm && !sqlServer)) return { ok: false, errors: problems.errors, warnings: problems.warnings };
  const proven = sccm && sqlServer ? { ...sccm, sqlServer } : undefined;
  return { ok: true, spec: finish(input, { ...draft, pool }, proven, parsed.scalars), warnings: problems.warnings };
}

export class LabConfigError extends Error {
  constructor(
    readonly problems: ReadonlyArray<{ path: string; message: string }>,
    what = "the lab config",
  ) {
    super(`${what} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
    this.name = "LabConfigError";
  }
}

/** loadLabSpec for callers that want an exception. */
export function requireLabSpec(input: StackConfig): { spec: LabSpec; warnings: LabResult["warnings"] } {
  const result = loadLabSpec(input);
  if (!result.ok) throw new LabConfigError(result.errors);
  return { spec: result.spec, warnings: result.warnings };
}
