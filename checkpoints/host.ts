// The side effects of checkpoints: read a domain's facts through virsh, and carry out the
// operations plan.ts computed (virsh, qemu-img, file copies). Runs on the hypervisor host: the
// disks, the NVRAM file and the swtpm state are plain files there.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { XMLParser } from "fast-xml-parser";
import { Virsh } from "../libvirt/virsh";
import type { Layout } from "./layout";
import { isRunning } from "./plan";
import type { Op, VmFacts } from "./plan";

const run = promisify(execFile);

/** Where libvirt keeps each domain's swtpm state: <dir>/<uuid>/ (libvirt's default swtpm storage). */
export const DEFAULT_SWTPM_DIR = "/var/lib/libvirt/swtpm";

export class HostError extends Error {
  override name = "HostError";
}

/** Checkpoints copy files on the hypervisor: only a local connection reaches them. */
export function requireLocalUri(uri: string): void {
  if (!/^qemu:\/\/\/(system|session)(\?|$)/.test(uri)) {
    throw new HostError(
      `homelab:uri is ${JSON.stringify(uri)}: checkpoints copy disk, NVRAM and TPM files on the hypervisor itself, ` +
        "so run this command on that host with homelab:uri qemu:///system (for example over ssh in a checkout there)",
    );
  }
}

export interface HostOptions {
  uri: string;
  swtpmDir?: string;
  /** How long a clean shutdown may take before the operation fails (default 5 minutes). */
  shutdownTimeoutMs?: number;
  pollMs?: number;
  /** Asks the guest OS itself to shut down (Windows over WinRM) before the ACPI request; returns a note for the progress line. */
  guestShutdown?: (vm: string) => Promise<string | undefined>;
  onNote?: (vm: string, note: string) => void;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => name === "disk" || name === "tpm" });
type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed libvirt XML

async function tool(cmd: string, args: string[], what: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: "C" } });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") throw new HostError(`${what}: ${cmd} is not installed (apt-get install qemu-utils)`);
    throw new HostError(`${what}: ${cmd} ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

export class Host {
  readonly virsh: Virsh;
  readonly swtpmDir: string;

  constructor(readonly opts: HostOptions) {
    this.virsh = new Virsh({ uri: opts.uri });
    this.swtpmDir = opts.swtpmDir ?? DEFAULT_SWTPM_DIR;
  }

  async facts(vm: string): Promise<VmFacts> {
    const uuid = await this.virsh.domainUuid(vm);
    if (!uuid) throw new HostError(`no domain named ${vm} on ${this.opts.uri}: is the lab applied (pulumi up)?`);
    const state = await this.virsh.domainState(vm);
    const dom = parser.parse(await this.virsh.domainXml(vm)).domain as Node;
    const disks = [];
    for (const d of (dom.devices?.disk ?? []) as Node[]) {
      if (d["@device"] !== "disk") continue;
      const src = d.source ?? {};
      const path: string | undefined = src["@file"] ?? (src["@pool"] ? await this.virsh.volumePath(src["@pool"], src["@volume"]) : undefined);
      if (!path) throw new HostError(`${vm}: disk ${d.target?.["@dev"]} has no file or pool volume source; checkpoints need a qcow2 file`);
      disks.push({ target: String(d.target?.["@dev"] ?? "?"), path, format: String(d.driver?.["@type"] ?? "raw") });
    }
    const nvramNode = dom.os?.nvram;
    const nvramPath: string | undefined = typeof nvramNode === "string" ? nvramNode : nvramNode?.["#text"];
    const hasTpm = ((dom.devices?.tpm ?? []) as Node[]).some((t) => t.backend?.["@type"] === "emulator");
    const tpmDir = `${this.swtpmDir}/${uuid}`;
    return {
      vm,
      uuid,
      state,
      disks,
      ...(nvramPath ? { nvram: { path: nvramPath, exists: existsSync(nvramPath) } } : {}),
      ...(hasTpm ? { tpm: { dir: tpmDir, exists: existsSync(tpmDir) } } : {}),
    };
  }

  async snapshotTags(path: string): Promise<string[]> {
    const info = JSON.parse(await tool("qemu-img", ["info", "--output=json", path], `read the snapshots of ${path}`)) as { snapshots?: { name: string }[] };
    return (info.snapshots ?? []).map((s) => s.name);
  }

  private async waitForState(vm: string, done: (state: string) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (done(await this.virsh.domainState(vm))) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 1000));
    }
  }

  /** Carries out one operation of a plan. */
  async execute(op: Op, lay: Layout, checkpoint: string): Promise<void> {
    switch (op.kind) {
      case "shutdown": {
        const note = await this.opts.guestShutdown?.(op.vm);
        if (note) this.opts.onNote?.(op.vm, note);
        // Also ACPI: a guest that took Stop-Computer may already be off, which is fine.
        if (isRunning(await this.virsh.domainState(op.vm))) {
          await this.virsh.run(["shutdown", op.vm], { kind: "domain", name: op.vm, operation: "shut down" }).catch((e) => {
            if (!/domain is not running/i.test((e as Error).message)) throw e;
          });
        }
        const timeoutMs = this.opts.shutdownTimeoutMs ?? 300_000;
        if (!(await this.waitForState(op.vm, (s) => s === "shut off", timeoutMs))) {
          throw new HostError(
            `${op.vm} did not shut down within ${Math.round(timeoutMs / 1000)} s (the guest ignores ACPI, or is busy): ` +
              "shut it down in the guest and run the command again, or add --force to power it off",
          );
        }
        return;
      }
      case "destroy":
        await this.virsh.destroyDomain(op.vm);
        return;
      case "start":
        await this.virsh.startDomain(op.vm);
        return;
      case "snapshot-disk":
        if ((await this.snapshotTags(op.disk.path)).includes(op.disk.tag)) {
          throw new HostError(`${op.disk.path} already holds a snapshot ${op.disk.tag}: delete that checkpoint first or choose another name`);
        }
        await tool("qemu-img", ["snapshot", "-c", op.disk.tag, op.disk.path], `snapshot ${op.disk.path}`);
        return;
      case "revert-disk":
        await tool("qemu-img", ["snapshot", "-a", op.disk.tag, op.disk.path], `revert ${op.disk.path}`);
        return;
      case "delete-disk-snapshot":
        if (!existsSync(op.disk.path) || !(await this.snapshotTags(op.disk.path)).includes(op.disk.tag)) {
          if (op.missingOk) return;
          throw new HostError(`${op.disk.path} has no snapshot ${op.disk.tag} (removed by hand?): delete with --force to drop the record`);
        }
        await tool("qemu-img", ["snapshot", "-d", op.disk.tag, op.disk.path], `delete snapshot ${op.disk.tag} of ${op.disk.path}`);
        return;
      case "copy-file":
      case "copy-dir":
        await mkdir(dirname(op.to), { recursive: true });
        await rm(op.to, { recursive: true, force: true });
        // cp -a keeps owner, mode and times: swtpm runs as its own user and refuses state it cannot write.
        await tool("cp", ["-a", "--reflink=auto", op.from, op.to], `copy ${op.from}`);
        return;
      case "restore":
        await restore(op.from, op.to);
        return;
      case "write-record": {
        const file = lay.vmRecord(checkpoint, op.vm);
        await writeFile(`${file}.tmp`, `${JSON.stringify(op.record, null, 2)}\n`);
        await rename(`${file}.tmp`, file);
        return;
      }
      case "mark-reverting":
        await writeFile(lay.revertMarker(checkpoint, op.vm), `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`);
        return;
      case "unmark-reverting":
        await rm(lay.revertMarker(checkpoint, op.vm), { force: true });
        return;
      case "remove-vm-part":
        await rm(lay.vmDir(checkpoint, op.vm), { recursive: true, force: true });
        return;
    }
  }
}

/** Replaces `to` by a copy of `from` through a rename, so a crash leaves the old or the new whole (never a mix). */
async function restore(from: string | null, to: string): Promise<void> {
  const incoming = `${to}.homelab-restore`;
  const outgoing = `${to}.homelab-old`;
  await rm(incoming, { recursive: true, force: true });
  await rm(outgoing, { recursive: true, force: true });
  if (from === null) {
    await rm(to, { recursive: true, force: true });
    return;
  }
  await mkdir(dirname(to), { recursive: true });
  await tool("cp", ["-a", "--reflink=auto", from, incoming], `copy ${from}`);
  if (existsSync(to)) await rename(to, outgoing);
  await rename(incoming, to);
  await rm(outgoing, { recursive: true, force: true });
}
