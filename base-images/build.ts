// The BaseImage provider's behaviour as plain async functions (tested directly under a private libvirtd).
//   create: preflight; adopt a finished (read-only) base image; else build it: a blank volume, a build
//           VM that installs from the install media and answer ISO, writes the install marker on COM1,
//           generalizes and powers itself off; then the build VM goes and the image becomes read-only.
//   diff:   a new name (edition + hash of ISO, base answer file, generator) is a replacement; nothing
//           else rebuilds an image.
//   remove: the image stays unless deleteOnDestroy, and never while a volume reads from it.
import { chmod, readFile, stat } from "node:fs/promises";
import { Virsh } from "../libvirt/virsh";
import { waitForInstall } from "../unattend/wait";
import { deleteBaseImage } from "./safety";
import { estimateBaseImageBytes, requirePoolRoom, requireQemuImg } from "./preflight";

export interface Log {
  info(message: string): void;
}

const pulumiLog: Log = { info: (m) => (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.info(m) };

export interface BaseImageInputs {
  uri: string;
  pool: string;
  /** base-<edition>-<hash>.qcow2 (identity.ts). */
  name: string;
  capacityBytes: number;
  /** Size of the source install ISO, for the pool-room estimate. */
  installIsoBytes: number;
  /** The build VM: its disk is this volume, its CDs the install media and the base answer ISO. */
  buildDomain: string;
  buildDomainXml: string;
  /** The name the bootstrap writes in the marker (COMPUTERNAME of the build VM). */
  hostname: string;
  /** The build VM's serial log as this host sees it. */
  serialLog: string;
  timeoutMs: number;
  pollMs?: number;
  deleteOnDestroy: boolean;
}

export interface BaseImageOutputs extends BaseImageInputs {
  path: string;
  /** How this run got the image: "built" or why it was adopted. */
  origin: string;
  allocationBytes: number;
}

/** A finished base image is read-only for everyone: a clone's writes go to its overlay, never here. */
const READ_ONLY = 0o444;
const isFinished = async (path: string): Promise<boolean> => ((await stat(path)).mode & 0o777) === READ_ONLY;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitForShutOff(virsh: Virsh, domain: string, timeoutMs: number, pollMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const state = await virsh.domainState(domain);
    if (state === "shut off") return;
    if (Date.now() > end) {
      throw new Error(
        `build VM ${domain} wrote its install marker but did not power off within ${Math.round(timeoutMs / 1000)} s (state: ${state}): ` +
          `sysprep /generalize /oobe /shutdown should end it. Look at its console: virt-viewer -c '${virsh.uri}' ${domain}`,
      );
    }
    await sleep(pollMs);
  }
}

async function build(virsh: Virsh, i: BaseImageInputs, log: Log): Promise<void> {
  await requirePoolRoom(virsh, i.pool, estimateBaseImageBytes(i.installIsoBytes), `base image ${i.name}`);
  await virsh.createVolume(
    i.pool,
    `<volume><name>${i.name}</name><capacity unit='bytes'>${i.capacityBytes}</capacity>` +
      "<allocation unit='bytes'>0</allocation><target><format type='qcow2'/><compat>1.1</compat></target></volume>",
  );
  await virsh.defineDomain(i.buildDomainXml);
  await virsh.startDomain(i.buildDomain);
  log.info(`${i.name}: build VM ${i.buildDomain} started`);
  const pollMs = i.pollMs ?? 5_000;
  await waitForInstall(
    { vm: i.buildDomain, hostname: i.hostname, uri: i.uri, serialLog: i.serialLog, timeoutMs: i.timeoutMs, pollMs },
    {
      readSerialLog: () => readFile(i.serialLog, "utf8").catch(() => undefined),
      domainState: () => virsh.domainState(i.buildDomain),
      // The base answer ISO holds no lab secret worth keeping around, but the build VM goes as a whole below.
      removeAnswerMedia: async () => undefined,
      log: (m) => log.info(m),
      now: () => Date.now(),
      sleep,
    },
  );
  // After the marker the build VM generalizes and shuts itself down: the image is only complete then.
  await waitForShutOff(virsh, i.buildDomain, 30 * 60_000, pollMs);
  await virsh.undefineDomain(i.buildDomain);
}

async function apply(i: BaseImageInputs, log: Log): Promise<BaseImageOutputs> {
  await requireQemuImg();
  const virsh = new Virsh({ uri: i.uri });
  let origin = "built";
  if (await virsh.volumeInfo(i.pool, i.name)) {
    const path = await virsh.volumePath(i.pool, i.name);
    if (await isFinished(path)) {
      origin = `adopted: ${path} exists and is read-only (a finished base image)`;
      log.info(`${i.name}: ${origin}; not rebuilt`);
    } else {
      // Writable means an earlier build stopped half way: start over (refused if anything reads from it).
      log.info(`${i.name}: ${path} is still writable (an interrupted build): building it again`);
      if (await virsh.domainUuid(i.buildDomain)) {
        if ((await virsh.domainState(i.buildDomain)) !== "shut off") await virsh.destroyDomain(i.buildDomain);
        await virsh.undefineDomain(i.buildDomain);
      }
      await deleteBaseImage(virsh, i.pool, i.name);
    }
  }
  if (origin === "built") await build(virsh, i, log);
  const path = await virsh.volumePath(i.pool, i.name);
  await chmod(path, READ_ONLY);
  const info = (await virsh.volumeInfo(i.pool, i.name))!;
  if (origin === "built") log.info(`${i.name}: built, ${(info.allocationBytes / 2 ** 30).toFixed(1)} GiB, now read-only`);
  return { ...i, path, origin, allocationBytes: info.allocationBytes };
}

const REPLACING: ReadonlyArray<keyof BaseImageInputs> = ["uri", "pool", "name"];
const UPDATING: ReadonlyArray<keyof BaseImageInputs> = ["deleteOnDestroy", "timeoutMs", "capacityBytes", "buildDomainXml", "serialLog"];

export const baseImageOps = {
  async check(_olds: object, news: BaseImageInputs) {
    const failures = (["uri", "pool", "name", "buildDomain", "buildDomainXml", "hostname", "serialLog"] as const)
      .filter((k) => typeof news[k] !== "string" || news[k] === "")
      .map((property) => ({ property, reason: `base image ${news.name}: ${property} must be a non-empty string` }));
    if (!/^base-[a-z0-9-]+-[0-9a-f]{12}\.qcow2$/.test(String(news.name)))
      failures.push({ property: "name", reason: `base image name ${JSON.stringify(news.name)} is not base-<edition>-<12 hex>.qcow2` });
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: BaseImageOutputs, news: BaseImageInputs) {
    const replaces = REPLACING.filter((k) => olds[k] !== news[k]);
    const updates = UPDATING.filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length + updates.length > 0, replaces: replaces as string[], deleteBeforeReplace: false };
  },
  async create(inputs: BaseImageInputs, log: Log = pulumiLog) {
    const outs = await apply(inputs, log);
    return { id: outs.path, outs };
  },
  async read(id: string, props: BaseImageOutputs) {
    const virsh = new Virsh({ uri: props.uri });
    return (await virsh.volumeInfo(props.pool, props.name)) ? { id, props } : {};
  },
  async update(_id: string, olds: BaseImageOutputs, news: BaseImageInputs) {
    // Only settings that do not shape the image changed (diff): the image stays as built.
    return { outs: { ...news, path: olds.path, origin: olds.origin, allocationBytes: olds.allocationBytes } };
  },
  async remove(_id: string, props: BaseImageOutputs, log: Log = pulumiLog) {
    if (!props.deleteOnDestroy) {
      log.info(`base image ${props.pool}/${props.name}: kept (delete it by hand once no lab uses it: virsh vol-delete --pool ${props.pool} ${props.name})`);
      return;
    }
    const virsh = new Virsh({ uri: props.uri });
    if (!(await virsh.volumeInfo(props.pool, props.name))) return;
    await deleteBaseImage(virsh, props.pool, props.name);
  },
};

// The CloneDisk provider's code, reached through the same loader as the BaseImage provider's (provider.ts).
export { cloneDiskOps } from "./clone-disk";
