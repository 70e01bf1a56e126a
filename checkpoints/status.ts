// `lab status`: per VM what libvirt says, where the host reaches it, whether its unattended
// install finished, each phase's last result, its checkpoints and (Windows) the evaluation days
// left. Gathering is side effects; the row shape and the table are pure.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { XMLParser } from "fast-xml-parser";
import type { LabSpec, VmSpec } from "../lab";
import { Virsh } from "../libvirt/virsh";
import type { ClientOptions } from "../winrm";
import { listCheckpoints } from "./checkpoints";
import { INSTALL_DONE, INSTALL_FAILED } from "../unattend/marker";
import type { Layout } from "./layout";
import { Licence, readLicence } from "./licence";
import { formatTable } from "./manifest";
import type { PhaseResult } from "./phase-wrapper";

export interface VmStatus {
  vm: string;
  role: string;
  os: string;
  /** virsh domstate, or "not defined". */
  state: string;
  addresses: { network: string; mac: string; ip?: string; addressing: string }[];
  managementIp?: string;
  install: { finished: boolean | null; detail: string };
  phases: { phase: string; result: string; attempts: number; exitCode: number; at: string }[];
  checkpoints: string[];
  licence?: Licence | { error: string } | { skipped: string };
}

export interface StatusOptions {
  layout: Layout;
  virsh: Virsh;
  /** WinRM connection for one Windows VM, or a reason why none is possible (no password, no address). */
  winrm?: (vm: VmSpec) => ClientOptions | string;
  licenceTimeoutMs?: number;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (n) => n === "serial" || n === "console" });
type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed libvirt XML

/** The host file a domain's first serial port writes to (<serial type='file'> or a <log file>). Pure. */
export function serialLogPath(domainXml: string): string | undefined {
  const devices = (parser.parse(domainXml).domain?.devices ?? {}) as Node;
  for (const s of [...(devices.serial ?? []), ...(devices.console ?? [])] as Node[]) {
    if (s["@type"] === "file" && s.source?.["@path"]) return s.source["@path"];
    if (s.log?.["@file"]) return s.log["@file"];
  }
  return undefined;
}

/** Whether the unattended install finished, from the serial log's text. Pure. */
export function installState(log: string | undefined, path: string | undefined): VmStatus["install"] {
  if (!path) return { finished: null, detail: "no serial log in the domain" };
  if (log === undefined) return { finished: null, detail: `serial log ${path} not written yet` };
  // The bootstrap's own lines on the first serial port (unattend/marker.ts, scripts/bootstrap).
  if (log.includes(INSTALL_FAILED)) return { finished: false, detail: `the bootstrap reported a failure in ${path}` };
  return log.includes(INSTALL_DONE) ? { finished: true, detail: `marker in ${path}` } : { finished: false, detail: `no marker yet in ${path}` };
}

function phaseResults(lay: Layout): PhaseResult[] {
  if (!existsSync(lay.phaseResults)) return [];
  return readdirSync(lay.phaseResults)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(`${lay.phaseResults}/${f}`, "utf8")) as PhaseResult];
      } catch {
        return [];
      }
    });
}

export async function gatherStatus(spec: LabSpec, o: StatusOptions): Promise<VmStatus[]> {
  const results = phaseResults(o.layout);
  const checkpoints = listCheckpoints(o.layout);
  return Promise.all(
    spec.vms.map(async (vm): Promise<VmStatus> => {
      const defined = (await o.virsh.domainUuid(vm.name)) !== undefined;
      const state = defined ? await o.virsh.domainState(vm.name) : "not defined";
      let install: VmStatus["install"] = { finished: null, detail: "domain not defined" };
      if (defined) {
        const path = serialLogPath(await o.virsh.domainXml(vm.name, { inactive: false }));
        install = installState(path && existsSync(path) ? readFileSync(path, "latin1") : undefined, path);
      }
      const status: VmStatus = {
        vm: vm.name,
        role: vm.role,
        os: vm.os,
        state,
        addresses: vm.nics.map((n) => ({ network: n.network, mac: n.mac, ...(n.ip ? { ip: n.ip } : {}), addressing: n.addressing })),
        ...(vm.managementIp ? { managementIp: vm.managementIp } : {}),
        install,
        phases: results
          .filter((r) => r.vms[0] === vm.name)
          .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))
          .map((r) => ({ phase: r.phase, result: r.result, attempts: r.attempts, exitCode: r.exitCode, at: r.finishedAt })),
        checkpoints: checkpoints.filter((c) => c.vms.some((v) => v.vm === vm.name)).map((c) => c.name),
      };
      if (vm.template === "windows") status.licence = await licenceOf(vm, state, o);
      return status;
    }),
  );
}

async function licenceOf(vm: VmSpec, state: string, o: StatusOptions): Promise<NonNullable<VmStatus["licence"]>> {
  if (state !== "running") return { skipped: `the VM is ${state}` };
  const client = o.winrm?.(vm) ?? "no WinRM connection configured";
  if (typeof client === "string") return { skipped: client };
  try {
    return await readLicence(client, { timeoutMs: o.licenceTimeoutMs });
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function licenceCell(l: VmStatus["licence"]): string {
  if (!l) return "-";
  if ("daysLeft" in l) return `${l.daysLeft} days (${l.rearmsLeft} rearms)`;
  if ("error" in l) return `error: ${l.error}`;
  return `not read: ${l.skipped}`;
}

/** The people's view: one row per VM. Pure. */
export function formatStatus(rows: VmStatus[]): string {
  const table = formatTable(
    ["VM", "STATE", "ADDRESSES", "INSTALL", "PHASES", "CHECKPOINTS", "LICENCE"],
    rows.map((r) => {
      const last = r.phases.at(-1);
      const failed = r.phases.filter((p) => p.result !== "succeeded");
      const phases =
        r.phases.length === 0
          ? "-"
          : `${r.phases.length - failed.length}/${r.phases.length} ok${failed.length ? `, failed: ${failed.map((p) => p.phase).join(" ")}` : ""}; last ${last!.phase} ${last!.result} ${last!.at}`;
      return [
        r.vm,
        r.state,
        r.addresses.map((a) => `${a.network}=${a.ip ?? "dhcp"}`).join(" "),
        r.install.finished === null ? "?" : r.install.finished ? "finished" : "not yet",
        phases,
        r.checkpoints.join(" ") || "-",
        licenceCell(r.licence),
      ];
    }),
  );
  return table;
}
