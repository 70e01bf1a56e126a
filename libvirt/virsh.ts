// A thin, typed client over the `virsh` binary. No shell: every call is execFile with the
// connection URI passed explicitly, a bounded time, and XML handed over in a private temp file.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { SessionTimeout, SessionUnusable, sessionFor, sessionSpawnCount } from "./virsh-session";

export const DEFAULT_URI = "qemu:///system";
export const DEFAULT_TIMEOUT_MS = 60_000;

export type ObjectKind = "domain" | "network" | "pool" | "volume" | "hypervisor";

/** What a call was about, for the error message. */
export interface Target {
  kind: ObjectKind;
  name: string;
  /** A verb phrase: "define", "start", "read the XML of", ... */
  operation: string;
}

export type VirshFailure = "not-found" | "not-connected" | "timeout" | "failed";

/** libvirt's error, restated so that it names the object, the operation and the connection. */
export class VirshError extends Error {
  constructor(
    readonly target: Target,
    readonly uri: string,
    /** libvirt's own words, without virsh's "error:" prefixes. */
    readonly detail: string,
    readonly failure: VirshFailure,
    readonly args: readonly string[],
  ) {
    super(formatVirshError(target, uri, detail, failure));
    this.name = "VirshError";
  }
}

const NOT_CONNECTED =
  /failed to connect to the hypervisor|no valid connection|Failed to connect socket|Cannot recv data|End of file while reading data|no connection driver available/i;
// Only virsh's own lookup of the object it was asked about: "Storage volume not found" while
// starting a domain is a failure of the start, not an absent domain.
const NOT_FOUND = /^error: failed to get (domain|network|pool|vol) '/im;

/** Pure: classify virsh's stderr. */
export function classifyFailure(stderr: string): Exclude<VirshFailure, "timeout"> {
  if (NOT_CONNECTED.test(stderr)) return "not-connected";
  if (NOT_FOUND.test(stderr)) return "not-found";
  return "failed";
}

/**
 * Pure: the useful part of virsh's stderr. virsh prints a generic line ("Failed to define
 * domain from /tmp/x.xml") before libvirt's reason; the generic line names our temp file and
 * says nothing the message does not already say, so it goes when a reason follows.
 */
export function libvirtDetail(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^error:\s*/, "").trim())
    .filter((l) => l.length > 0);
  const generic =
    /^(Failed to (define|create|start|destroy|undefine|delete|build|change size of|mark|unmark) (domain|network|pool|vol)\b|Failed to create vol from\b|(domain|network|pool) \S+ (failed to|could not)|failed to get (domain|network|pool|vol)\b|failed to connect to the hypervisor$)/i;
  const reasons = lines.filter((l) => !generic.test(l));
  return (reasons.length > 0 ? reasons : lines).join(": ") || "virsh failed without saying why";
}

export function formatVirshError(target: Target, uri: string, detail: string, failure: VirshFailure): string {
  const what = `${target.kind} ${target.name}`;
  switch (failure) {
    case "not-connected":
      return (
        `libvirt could not ${target.operation} ${what}: no connection to ${uri}: ${detail}. ` +
        `Is libvirtd (or virtqemud) running on that host, and is the URI right (homelab:uri)?`
      );
    case "timeout":
      return (
        `libvirt could not ${target.operation} ${what} on ${uri}: ${detail}. ` +
        `Is the host reachable and libvirtd responsive? Raise the timeout if the host is just slow.`
      );
    case "not-found":
      return `libvirt could not ${target.operation} ${what} on ${uri}: it does not exist there (${detail})`;
    default:
      return `libvirt could not ${target.operation} ${what} on ${uri}: ${detail}`;
  }
}

export interface VirshOptions {
  /** Connection URI, passed with -c on every call. */
  uri?: string;
  /** Bound for each call. */
  timeoutMs?: number;
  /** The virsh binary (a name on PATH or a path). */
  binary?: string;
  /**
   * Run the commands in the connection's long-lived virsh session (./virsh-session) instead of
   * one process each; a command the session cannot run falls back to its own process.
   */
  session?: boolean;
}

let processCalls = 0;

/** virsh processes started in this process so far: one per call, plus one per session (re)start. */
export function virshProcessCount(): number {
  return processCalls + sessionSpawnCount();
}

export interface VersionInfo {
  library: string;
  hypervisor?: string;
}

export interface NetworkInfo {
  name: string;
  uuid: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
  bridge?: string;
}

export interface PoolInfo {
  name: string;
  uuid: string;
  /** running, inactive, building, degraded, inaccessible */
  state: string;
  persistent: boolean;
  autostart: boolean;
  capacityBytes?: number;
  allocationBytes?: number;
  availableBytes?: number;
}

export interface VolumeInfo {
  name: string;
  type: string;
  capacityBytes: number;
  allocationBytes: number;
}

/** Domain states as `virsh domstate` prints them. */
export type DomainState = "running" | "idle" | "paused" | "in shutdown" | "shut off" | "crashed" | "pmsuspended" | string;

/** Pure: `Key:   value` lines (net-info, pool-info, vol-info, dominfo) into a map. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (m) out[m[1].trim()] = m[2].trim();
  }
  return out;
}

const yes = (v: string | undefined) => v === "yes";
const bytes = (v: string | undefined): number | undefined => {
  const m = v === undefined ? null : /^(\d+)/.exec(v);
  return m ? Number(m[1]) : undefined;
};

const xmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false });

/** Pure: the top-level <name> (and <uuid>) of a libvirt XML document. */
export function xmlIdentity(xml: string): { root: string; name?: string; uuid?: string } {
  const doc = xmlParser.parse(xml) as Record<string, unknown>;
  const root = Object.keys(doc).find((k) => !k.startsWith("?") && !k.startsWith("#"));
  if (!root) throw new Error("the XML has no root element");
  const el = doc[root] as Record<string, unknown> | string;
  const text = (v: unknown) => (typeof v === "string" ? v.trim() : undefined);
  return typeof el === "object" ? { root, name: text(el.name), uuid: text(el.uuid) } : { root };
}

export class Virsh {
  readonly uri: string;
  readonly timeoutMs: number;
  readonly binary: string;
  readonly session: boolean;

  constructor(options: VirshOptions = {}) {
    this.uri = options.uri ?? DEFAULT_URI;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.binary = options.binary ?? "virsh";
    this.session = options.session ?? false;
  }

  /** One virsh command; resolves with stdout, rejects with a VirshError about `target`. */
  run(args: readonly string[], target: Target): Promise<string> {
    return this.session ? this.runInSession(args, target) : this.runProcess(args, target);
  }

  private async runInSession(args: readonly string[], target: Target): Promise<string> {
    const argv = ["-c", this.uri, "-q", ...args];
    let reply;
    try {
      reply = await sessionFor(this.binary, this.uri).run(args, this.timeoutMs);
    } catch (e) {
      if (e instanceof SessionTimeout) throw new VirshError(target, this.uri, `virsh did not answer within ${this.timeoutMs} ms`, "timeout", argv);
      if (e instanceof SessionUnusable) return this.runProcess(args, target);
      throw e;
    }
    if (!reply.failed) return reply.stdout;
    throw new VirshError(target, this.uri, libvirtDetail(reply.stderr), classifyFailure(reply.stderr), argv);
  }

  /** The command in a process of its own. */
  private runProcess(args: readonly string[], target: Target): Promise<string> {
    const argv = ["-c", this.uri, "-q", ...args];
    processCalls++;
    return new Promise((resolve, reject) => {
      // LC_ALL=C: libvirt's messages in English, so classifyFailure can read them.
      execFile(
        this.binary,
        argv,
        { timeout: this.timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: "C" } },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const e = err as NodeJS.ErrnoException & { killed?: boolean };
          if (e.code === "ENOENT") {
            return reject(new VirshError(target, this.uri, `${this.binary} is not installed (install libvirt-clients)`, "failed", argv));
          }
          if (e.killed) {
            return reject(new VirshError(target, this.uri, `virsh did not answer within ${this.timeoutMs} ms`, "timeout", argv));
          }
          reject(new VirshError(target, this.uri, libvirtDetail(stderr), classifyFailure(stderr), argv));
        },
      );
    });
  }

  /** Runs `args` with the XML in a temp file (mode 600, removed afterwards) appended as the file argument. */
  private async withXmlFile(xml: string, args: (file: string) => string[], target: Target): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "homelab-virsh-"));
    const file = join(dir, `${target.kind}.xml`);
    try {
      await writeFile(file, xml, { mode: 0o600 });
      return await this.run(args(file), target);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** undefined when `promise` fails because the object does not exist. */
  private async orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
    try {
      return await promise;
    } catch (e) {
      if (e instanceof VirshError && e.failure === "not-found") return undefined;
      throw e;
    }
  }

  async version(): Promise<VersionInfo> {
    const out = await this.run(["version"], { kind: "hypervisor", name: this.uri, operation: "ask the version of" });
    const info = parseInfo(out);
    return { library: info["Using library"]?.replace(/^libvirt\s+/, "") ?? "", hypervisor: info["Running hypervisor"] };
  }

  // ---- domains -------------------------------------------------------------------------------

  async listDomains(): Promise<string[]> {
    const out = await this.run(["list", "--all", "--name"], { kind: "domain", name: "(all)", operation: "list" });
    return lines(out);
  }

  /**
   * Every domain as name -> UUID, from one call. Lookups by name go through this list: virsh reads
   * an all-digit argument as a domain ID and a UUID-shaped one as a UUID, so a name is never passed
   * as a domain argument; the providers address domains by UUID.
   */
  async domainUuids(): Promise<Map<string, string>> {
    const out = await this.run(["list", "--all", "--uuid", "--name"], { kind: "domain", name: "(all)", operation: "list" });
    const map = new Map<string, string>();
    for (const line of lines(out)) {
      const m = /^([0-9a-f-]{36})\s+(.+)$/i.exec(line);
      if (m) map.set(m[2], m[1].toLowerCase());
    }
    return map;
  }

  /** The domain's UUID, or undefined when no domain has that name. */
  async domainUuid(name: string): Promise<string | undefined> {
    return (await this.domainUuids()).get(name);
  }

  /** `id` is the domain's UUID (or a name that is neither all digits nor UUID-shaped); `label` names it in errors. */
  async domainState(id: string, label = id): Promise<DomainState> {
    return (await this.run(["domstate", "--domain", id], { kind: "domain", name: label, operation: "read the state of" })).trim();
  }

  /** The domain's XML; `inactive` (default) is the persistent config that the next boot uses. */
  async domainXml(id: string, { inactive = true, label = id }: { inactive?: boolean; label?: string } = {}): Promise<string> {
    return this.run(["dumpxml", ...(inactive ? ["--inactive"] : []), "--domain", id], { kind: "domain", name: label, operation: "read the XML of" });
  }

  /** Defines (or redefines) a persistent domain, validated against libvirt's schema. */
  async defineDomain(xml: string): Promise<void> {
    const name = xmlIdentity(xml).name ?? "(unnamed)";
    await this.withXmlFile(xml, (f) => ["define", "--validate", f], { kind: "domain", name, operation: "define" });
  }

  async startDomain(id: string, label = id): Promise<void> {
    await this.run(["start", "--domain", id], { kind: "domain", name: label, operation: "start" });
  }

  /** Hard power-off. */
  async destroyDomain(id: string, label = id): Promise<void> {
    await this.run(["destroy", "--domain", id], { kind: "domain", name: label, operation: "stop (destroy)" });
  }

  /** Removes the definition with its NVRAM, TPM state, managed save and snapshot metadata. Volumes are not touched. */
  async undefineDomain(id: string, label = id): Promise<void> {
    await this.run(["undefine", "--nvram", "--tpm", "--managed-save", "--snapshots-metadata", "--domain", id], {
      kind: "domain",
      name: label,
      operation: "undefine",
    });
  }

  /** The file (or volume path) behind each disk target of a domain, e.g. sda -> /pool/DC01.qcow2. */
  async domainDisks(id: string, label = id): Promise<{ target: string; source: string }[]> {
    const out = await this.run(["domblklist", "--domain", id], { kind: "domain", name: label, operation: "list the disks of" });
    return lines(out)
      .map((l) => l.split(/\s+/))
      .filter((f) => f.length >= 2 && f[1] !== "-")
      .map(([target, ...rest]) => ({ target, source: rest.join(" ") }));
  }

  /** Grows a disk of a running domain (QEMU block_resize); the guest sees the new size at once. */
  async blockResize(id: string, target: string, capacityBytes: number, label = id): Promise<void> {
    await this.run(["blockresize", "--domain", id, "--path", target, "--size", `${capacityBytes}B`], {
      kind: "domain",
      name: label,
      operation: `grow disk ${target} of`,
    });
  }

  // ---- networks ------------------------------------------------------------------------------

  async listNetworks(): Promise<string[]> {
    return lines(await this.run(["net-list", "--all", "--name"], { kind: "network", name: "(all)", operation: "list" }));
  }

  /** undefined when no network has that name. */
  async networkInfo(name: string): Promise<NetworkInfo | undefined> {
    const out = await this.orUndefined(this.run(["net-info", name], { kind: "network", name, operation: "read the state of" }));
    if (out === undefined) return undefined;
    const i = parseInfo(out);
    return { name: i.Name, uuid: i.UUID, active: yes(i.Active), persistent: yes(i.Persistent), autostart: yes(i.Autostart), bridge: i.Bridge || undefined };
  }

  async networkXml(name: string, { inactive = true }: { inactive?: boolean } = {}): Promise<string> {
    return this.run(["net-dumpxml", ...(inactive ? ["--inactive"] : []), name], { kind: "network", name, operation: "read the XML of" });
  }

  async defineNetwork(xml: string): Promise<void> {
    const name = xmlIdentity(xml).name ?? "(unnamed)";
    await this.withXmlFile(xml, (f) => ["net-define", "--validate", f], { kind: "network", name, operation: "define" });
  }

  async startNetwork(name: string): Promise<void> {
    await this.run(["net-start", name], { kind: "network", name, operation: "start" });
  }

  async setNetworkAutostart(name: string, on: boolean): Promise<void> {
    await this.run(["net-autostart", ...(on ? [] : ["--disable"]), name], { kind: "network", name, operation: on ? "mark autostarted" : "unmark autostarted" });
  }

  async destroyNetwork(name: string): Promise<void> {
    await this.run(["net-destroy", name], { kind: "network", name, operation: "stop (destroy)" });
  }

  /**
   * One `net-update` (add-last, delete, modify) of a section such as ip-dhcp-host or ip-dhcp-range,
   * applied to the persistent definition and, when `live`, to the running network (its dnsmasq).
   */
  async updateNetwork(
    name: string,
    command: "add-last" | "delete" | "modify",
    section: string,
    elementXml: string,
    { live, config, parentIndex }: { live: boolean; config: boolean; parentIndex?: number },
  ): Promise<void> {
    await this.withXmlFile(
      elementXml,
      (f) => [
        "net-update",
        name,
        command,
        section,
        f,
        ...(config ? ["--config"] : []),
        ...(live ? ["--live"] : []),
        ...(parentIndex !== undefined ? ["--parent-index", String(parentIndex)] : []),
      ],
      { kind: "network", name, operation: `update (${command} ${section})` },
    );
  }

  async undefineNetwork(name: string): Promise<void> {
    await this.run(["net-undefine", name], { kind: "network", name, operation: "undefine" });
  }

  // ---- storage pools -------------------------------------------------------------------------

  async listPools(): Promise<string[]> {
    return lines(await this.run(["pool-list", "--all", "--name"], { kind: "pool", name: "(all)", operation: "list" }));
  }

  /** undefined when no pool has that name. */
  async poolInfo(name: string): Promise<PoolInfo | undefined> {
    const out = await this.orUndefined(this.run(["pool-info", "--bytes", name], { kind: "pool", name, operation: "read the state of" }));
    if (out === undefined) return undefined;
    const i = parseInfo(out);
    return {
      name: i.Name,
      uuid: i.UUID,
      state: i.State,
      persistent: yes(i.Persistent),
      autostart: yes(i.Autostart),
      capacityBytes: bytes(i.Capacity),
      allocationBytes: bytes(i.Allocation),
      availableBytes: bytes(i.Available),
    };
  }

  async poolXml(name: string, { inactive = true }: { inactive?: boolean } = {}): Promise<string> {
    return this.run(["pool-dumpxml", ...(inactive ? ["--inactive"] : []), name], { kind: "pool", name, operation: "read the XML of" });
  }

  async definePool(xml: string): Promise<void> {
    const name = xmlIdentity(xml).name ?? "(unnamed)";
    await this.withXmlFile(xml, (f) => ["pool-define", "--validate", f], { kind: "pool", name, operation: "define" });
  }

  /** For a dir pool: creates the target directory (no-op when it exists). */
  async buildPool(name: string): Promise<void> {
    await this.run(["pool-build", name], { kind: "pool", name, operation: "build" });
  }

  async startPool(name: string): Promise<void> {
    await this.run(["pool-start", name], { kind: "pool", name, operation: "start" });
  }

  async refreshPool(name: string): Promise<void> {
    await this.run(["pool-refresh", name], { kind: "pool", name, operation: "refresh" });
  }

  async setPoolAutostart(name: string, on: boolean): Promise<void> {
    await this.run(["pool-autostart", ...(on ? [] : ["--disable"]), name], { kind: "pool", name, operation: on ? "mark autostarted" : "unmark autostarted" });
  }

  async destroyPool(name: string): Promise<void> {
    await this.run(["pool-destroy", name], { kind: "pool", name, operation: "stop (destroy)" });
  }

  /** Removes the pool's directory; libvirt refuses when it still holds files. */
  async deletePool(name: string): Promise<void> {
    await this.run(["pool-delete", name], { kind: "pool", name, operation: "delete the directory of" });
  }

  async undefinePool(name: string): Promise<void> {
    await this.run(["pool-undefine", name], { kind: "pool", name, operation: "undefine" });
  }

  /** Volume names in a started pool. */
  async listVolumes(pool: string): Promise<string[]> {
    const out = await this.run(["vol-list", pool], { kind: "pool", name: pool, operation: "list the volumes of" });
    return lines(out).map((l) => l.split(/\s+/)[0]);
  }

  // ---- volumes -------------------------------------------------------------------------------

  /** undefined when the pool has no volume of that name. */
  async volumeInfo(pool: string, name: string): Promise<VolumeInfo | undefined> {
    const out = await this.orUndefined(
      this.run(["vol-info", "--bytes", "--pool", pool, name], { kind: "volume", name: `${pool}/${name}`, operation: "read the size of" }),
    );
    if (out === undefined) return undefined;
    const i = parseInfo(out);
    return { name: i.Name, type: i.Type, capacityBytes: bytes(i.Capacity) ?? 0, allocationBytes: bytes(i.Allocation) ?? 0 };
  }

  async volumeXml(pool: string, name: string): Promise<string> {
    return this.run(["vol-dumpxml", "--pool", pool, name], { kind: "volume", name: `${pool}/${name}`, operation: "read the XML of" });
  }

  async volumePath(pool: string, name: string): Promise<string> {
    return (await this.run(["vol-path", "--pool", pool, name], { kind: "volume", name: `${pool}/${name}`, operation: "find the path of" })).trim();
  }

  /** Creates a volume from XML (virsh 9's storage driver has no --validate for volumes). */
  async createVolume(pool: string, xml: string): Promise<void> {
    const name = xmlIdentity(xml).name ?? "(unnamed)";
    await this.withXmlFile(xml, (f) => ["vol-create", pool, f], { kind: "volume", name: `${pool}/${name}`, operation: "create" });
  }

  // ---- base images (issue 13)
  /** Creates a volume from XML as a full copy of `source` (in `sourcePool`): libvirt copies the data with qemu-img convert. */
  async createVolumeFrom(pool: string, xml: string, sourcePool: string, source: string): Promise<void> {
    const name = xmlIdentity(xml).name ?? "(unnamed)";
    await this.withXmlFile(xml, (f) => ["vol-create-from", pool, f, source, "--inputpool", sourcePool], {
      kind: "volume",
      name: `${pool}/${name}`,
      operation: "copy",
    });
  }
  // ---- end base images

  async deleteVolume(pool: string, name: string): Promise<void> {
    await this.run(["vol-delete", "--pool", pool, name], { kind: "volume", name: `${pool}/${name}`, operation: "delete" });
  }

  /** Grows a volume to `capacityBytes`. Shrinking loses data: refused here, before libvirt is asked. */
  async growVolume(pool: string, name: string, capacityBytes: number): Promise<void> {
    const target: Target = { kind: "volume", name: `${pool}/${name}`, operation: "resize" };
    const info = await this.volumeInfo(pool, name);
    if (!info) throw new VirshError(target, this.uri, "the volume does not exist", "not-found", []);
    if (capacityBytes < info.capacityBytes) {
      throw new VirshError(
        target,
        this.uri,
        `shrinking from ${info.capacityBytes} to ${capacityBytes} bytes would lose data; only growth is allowed`,
        "failed",
        [],
      );
    }
    if (capacityBytes === info.capacityBytes) return;
    try {
      await this.run(["vol-resize", "--pool", pool, name, String(capacityBytes)], target);
    } catch (e) {
      if (e instanceof VirshError && /Failed to get "write" lock|another process using the image/i.test(e.detail)) {
        throw new VirshError(
          target,
          this.uri,
          `a running guest holds the image open, so it cannot grow now (${e.detail}). ` +
            "Shut that guest down and apply again; the size change is kept until then",
          "failed",
          e.args,
        );
      }
      throw e;
    }
  }
}

function lines(out: string): string[] {
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
