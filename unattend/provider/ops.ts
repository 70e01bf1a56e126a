// The two dynamic providers of the unattended install, as plain async functions (tested directly;
// Pulumi's mocks do not run dynamic providers).
//   media: before the domain starts: the no-prompt installer ISO (cached per SHA-256) and, unless
//          the VM is already installed, the answer ISO. Its outputs never hold the ISO or a password.
//   wait:  after the domain starts: the install marker on the serial log; then the answer ISO goes.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { Virsh, VirshError } from "../../libvirt/virsh";
import { buildAnswerIso, deleteAnswerIso } from "../answer-media";
import { fillAnswerPasswords } from "../fill";
import type { WindowsOs } from "../images";
import { ensureNoPromptMedia } from "../install-media";
import { readInstallState } from "../marker";
import { waitForInstall } from "../wait";

export interface Log {
  info(message: string): void;
}

const pulumiLog: Log = { info: (m) => (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.info(m) };

/** A disk with this much data holds an installed system (a fresh qcow2 holds a few hundred KiB; Windows, over 8 GiB). */
export const INSTALLED_DISK_BYTES = 4 * 2 ** 30;

export interface MediaInputs {
  uri: string;
  /** VmSpec.name (the domain). */
  name: string;
  /** VmSpec.hostname: the bootstrap writes it (as COMPUTERNAME) in the marker. */
  hostname: string;
  os: WindowsOs;
  /** The config path of the installer ISO, for errors: homelab:vms[i].iso. */
  configPath: string;
  sourceIso: string;
  pool: string;
  volume: string;
  answerIso: string;
  /** The serial log as this host sees it. */
  serialLog: string;
  /** The answer file with placeholder passwords (renderAnswerFile(..., "placeholder")). */
  readableXml: string;
  /** homelab:adminPassword, a Pulumi secret; used to fill the ISO, never returned. */
  adminPassword: string;
}

/**
 * The project's scripts/ folder, from the folder the provider host runs in (the project folder, as
 * for the provider's own code: lab/project-module.ts). Never an input: a path of the checkout in
 * the state would show a moved checkout as a change.
 */
const projectScriptsDir = (): string => join(process.cwd(), "scripts");

export interface MediaOutputs extends Omit<MediaInputs, "adminPassword"> {
  /** Why the VM counts as installed already (no answer ISO built), or "" when it installs now. */
  adopted: string;
  installIso: string;
  installIsoSha256: string;
}

async function alreadyInstalled(i: Pick<MediaInputs, "uri" | "hostname" | "serialLog" | "pool" | "volume">): Promise<string> {
  if (existsSync(i.serialLog) && readInstallState(readFileSync(i.serialLog, "utf8"), i.hostname).kind === "done") {
    return `its serial log ${i.serialLog} holds the install marker`;
  }
  const info = await new Virsh({ uri: i.uri }).volumeInfo(i.pool, i.volume);
  if (info && info.allocationBytes >= INSTALLED_DISK_BYTES) {
    return `its disk ${i.pool}/${i.volume} already holds ${(info.allocationBytes / 2 ** 30).toFixed(1)} GiB (an installed system)`;
  }
  return "";
}

async function applyMedia(i: MediaInputs, log: Log): Promise<MediaOutputs> {
  const adopted = await alreadyInstalled(i);
  // The domain XML names the no-prompt ISO whether or not this VM installs now.
  const media = await ensureNoPromptMedia(i.sourceIso, i.os, i.configPath, (m) => log.info(`${i.name}: ${m}`));
  if (adopted) {
    log.info(`${i.name}: already installed (${adopted}): adopted, no answer ISO`);
    deleteAnswerIso(i.answerIso);
  } else {
    buildAnswerIso({ answerXml: fillAnswerPasswords(i.readableXml, i.adminPassword), scriptsDir: projectScriptsDir(), isoPath: i.answerIso });
    log.info(`${i.name}: answer ISO ready (${i.answerIso}, mode 0600; deleted once the install marker is seen)`);
  }
  const { adminPassword: _secret, ...rest } = i;
  return { ...rest, adopted, installIso: media.iso, installIsoSha256: media.sha256 };
}

export const media = {
  async check(_olds: object, news: MediaInputs) {
    if (typeof news.adminPassword !== "string" || news.adminPassword === "") {
      return {
        inputs: news,
        failures: [
          {
            property: "adminPassword",
            reason: `homelab:adminPassword is not set: the unattended install writes it into ${news.name}'s answer file. Run pulumi config set --secret homelab:adminPassword, or set homelab:install to manual`,
          },
        ],
      };
    }
    const failures = (["uri", "name", "hostname", "os", "sourceIso", "pool", "volume", "answerIso", "serialLog", "readableXml"] as const)
      .filter((k) => typeof news[k] !== "string" || news[k] === "")
      .map((property) => ({ property, reason: `${property} must be a non-empty string` }));
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: MediaOutputs, news: MediaInputs) {
    const changes = (["readableXml", "sourceIso", "answerIso", "os"] as const).filter((k) => olds[k] !== news[k]);
    const replaces = (["name", "uri"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: changes.length + replaces.length > 0, replaces, deleteBeforeReplace: true };
  },
  async create(inputs: MediaInputs, log: Log = pulumiLog) {
    return { id: `${inputs.name}-media`, outs: await applyMedia(inputs, log) };
  },
  async read(id: string, props: MediaOutputs) {
    return { id, props };
  },
  async update(_id: string, _olds: MediaOutputs, news: MediaInputs, log: Log = pulumiLog) {
    return { outs: await applyMedia(news, log) };
  },
  async remove(_id: string, props: MediaOutputs) {
    // The no-prompt installer is shared by every VM of its edition: it stays, as the source ISO does.
    deleteAnswerIso(props.answerIso);
  },
};

export interface WaitInputs {
  uri: string;
  name: string;
  hostname: string;
  serialLog: string;
  answerIso: string;
  /** MediaOutputs.adopted: non-empty when the VM was installed before this run. */
  adopted: string;
  timeoutMs: number;
  /** The domain's UUID: a new domain (replaced) waits again. */
  domainUuid: string;
  pollMs?: number;
}

export interface WaitOutputs extends WaitInputs {
  installed: true;
  marker: string;
  waitedSeconds: number;
}

/** The live domain's target for a CD whose source is `iso` (e.g. sde), if it has one. */
async function cdTarget(virsh: Virsh, name: string, iso: string): Promise<string | undefined> {
  const xml = await virsh.domainXml(name, { inactive: false });
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (n) => n === "disk" }).parse(xml);
  const disks: Array<Record<string, Record<string, string>>> = parsed.domain?.devices?.disk ?? [];
  return disks.find((d) => d.source?.["@file"] === iso)?.target?.["@dev"];
}

export const wait = {
  async check(_olds: object, news: WaitInputs) {
    const failures = typeof news.timeoutMs === "number" && news.timeoutMs > 0 ? [] : [{ property: "timeoutMs", reason: "timeoutMs must be a positive number" }];
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: WaitOutputs, news: WaitInputs) {
    const replaces = (["name", "uri", "domainUuid"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
  },
  async create(i: WaitInputs, log: Log = pulumiLog): Promise<{ id: string; outs: WaitOutputs }> {
    if (i.adopted) {
      log.info(`${i.name}: installed before this run (${i.adopted}): not waiting`);
      return { id: `${i.name}-install`, outs: { ...i, installed: true, marker: "", waitedSeconds: 0 } };
    }
    const virsh = new Virsh({ uri: i.uri });
    const result = await waitForInstall(
      { vm: i.name, hostname: i.hostname, uri: i.uri, serialLog: i.serialLog, timeoutMs: i.timeoutMs, pollMs: i.pollMs },
      {
        readSerialLog: async () => (existsSync(i.serialLog) ? readFileSync(i.serialLog, "utf8") : undefined),
        domainState: () => virsh.domainState(i.name),
        removeAnswerMedia: async () => {
          try {
            const target = await cdTarget(virsh, i.name, i.answerIso);
            if (target)
              await virsh.run(["change-media", i.name, target, "--eject", "--live"], { kind: "domain", name: i.name, operation: "eject the answer CD of" });
          } catch (e) {
            // A domain that powered off has nothing to eject: libvirt drops the missing ISO at its next start (startupPolicy optional).
            if (!(e instanceof VirshError)) throw e;
          }
          deleteAnswerIso(i.answerIso);
        },
        log: (m) => log.info(m),
        now: () => Date.now(),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      },
    );
    return { id: `${i.name}-install`, outs: { ...i, installed: true, marker: result.marker, waitedSeconds: result.waitedSeconds } };
  },
  async read(id: string, props: WaitOutputs) {
    return { id, props };
  },
  async update(_id: string, _olds: WaitOutputs, news: WaitInputs, _log: Log = pulumiLog) {
    return { outs: { ..._olds, ...news } };
  },
  async remove() {
    // Nothing on the host: the install stays on the VM's disk.
  },
};
