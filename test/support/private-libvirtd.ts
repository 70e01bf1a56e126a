// A private libvirtd in its own network, mount and pid namespaces (recipe: shared/ENVIRONMENT.md).
// Networks, bridges, dnsmasq and guests it starts live only inside that namespace; one kill of the
// namespace holder ends all of them. Needs root.
import { ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTools } from "./require-tools";

export interface PrivateLibvirtd {
  /** Connection URI for every virsh call: qemu:///system through the private socket. */
  uri: string;
  /** The run's private state (etc, lib, run, log, ...); put pools and test files under it. */
  dir: string;
  /** PID of the namespace holder (the process this helper kills). */
  pid: number;
  /** Kills the namespace holder by PID, waits for it, and removes `dir` unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** How long to wait for `virsh version` to answer. */
  readyTimeoutMs?: number;
  /** The namespace ends on its own after this long, even if nobody calls stop(). */
  maxLifetimeSeconds?: number;
  /** Whether the host has /dev/kvm to mask; default: whether it exists. Tests pass false to run the no-KVM path. */
  hostHasKvm?: boolean;
}

/** A private directory (under the run's state dir) bound over a host path inside the namespace. */
export interface BindMount {
  /** Relative to the run's state dir. */
  from: string;
  onto: string;
}

/**
 * Pure: the bind mounts of the namespace. /dev/kvm is masked with an empty file (TCG only: define
 * takes 0.02 s instead of 7 s), but only where it exists: a bind mount needs an existing mount
 * point, and on a machine without /dev/kvm there is nothing to mask (the daemon would never start).
 */
export function bindMounts(hostHasKvm: boolean): BindMount[] {
  const mounts: BindMount[] = [
    { from: "etc", onto: "/etc/libvirt" },
    { from: "lib", onto: "/var/lib/libvirt" },
    { from: "run", onto: "/run/libvirt" },
    { from: "log", onto: "/var/log/libvirt" },
    { from: "cache", onto: "/var/cache/libvirt" },
    { from: "swtpm-localca", onto: "/var/lib/swtpm-localca" },
    { from: "swtpm-log", onto: "/var/log/swtpm" },
  ];
  return hostHasKvm ? [...mounts, { from: "nokvm", onto: "/dev/kvm" }] : mounts;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Pure: the script run inside the namespace: a private /run, the bind mounts, loopback up, the two
 * daemons. /run is a fresh tmpfs inside: libvirtd and virtlogd keep pid files there, which would
 * collide with another private daemon (a parallel test run) on the host's /run. `$1` is the state dir.
 */
export function insideScript(mounts: readonly BindMount[]): string {
  return [
    "mount -t tmpfs -o mode=755 tmpfs /run || exit 1",
    "mkdir -p /run/libvirt /run/lock",
    ...mounts.map((m) => `mount --bind "$1"/${quote(m.from)} ${quote(m.onto)} || exit 1`),
    "ip link set lo up",
    "virtlogd & libvirtd & wait",
  ].join("\n");
}

const running = new Set<ChildProcess>();
// If the test process exits without stop() (a crash, a forgotten afterAll), do not leave a daemon.
process.once("exit", () => {
  // SIGTERM, not SIGKILL: `timeout` passes TERM on to unshare, whose --kill-child then ends the
  // namespace; a killed `timeout` would leave unshare and the daemons behind.
  for (const child of running)
    if (child.pid)
      try {
        process.kill(child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
});

function prepare(dir: string): void {
  for (const d of ["etc", "lib", "run", "log", "cache", "swtpm-log"]) mkdirSync(join(dir, d), { recursive: true });
  // /var/log/libvirt/qemu as libvirt-daemon-system ships it: Windows domains log COM1 there (issue 12).
  mkdirSync(join(dir, "log", "qemu"), { recursive: true });
  // Mount points that must exist on the host for the bind mounts.
  mkdirSync("/run/libvirt", { recursive: true });
  mkdirSync("/var/log/swtpm", { recursive: true });
  execFileSync("cp", ["-a", "/etc/libvirt/.", join(dir, "etc")]);
  execFileSync("cp", ["-a", "/var/lib/libvirt/.", join(dir, "lib")]);
  execFileSync("cp", ["-a", "/var/lib/swtpm-localca", join(dir, "swtpm-localca")]);
  // No private mount namespace per guest: /dev inside ours is already the bind-masked one.
  appendFileSync(join(dir, "etc", "qemu.conf"), "\nnamespaces = [ ]\n");
  // The package's `default` NAT network is neither started nor even defined: a test daemon starts
  // empty, and the dev lab defines its own `default` network with its own UUID.
  for (const f of [["autostart", "default.xml"], ["default.xml"]]) {
    const file = join(dir, "etc", "qemu", "networks", ...f);
    if (existsSync(file)) unlinkSync(file);
  }
  closeSync(openSync(join(dir, "nokvm"), "w", 0o600));
}

function answers(uri: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("virsh", ["-c", uri, "version"], { timeout: 5000 }, (err) => resolve(!err));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export async function startPrivateLibvirtd(options: StartOptions = {}): Promise<PrivateLibvirtd> {
  if (process.getuid?.() !== 0) throw new Error("a private libvirtd needs root (unshare, bind mounts): run the libvirt tests as root");
  requireTools({
    virsh: "libvirt-clients",
    libvirtd: "libvirt-daemon-system",
    virtlogd: "libvirt-daemon-system",
    unshare: "util-linux",
    ip: "iproute2",
    "qemu-system-x86_64": "qemu-system-x86",
    swtpm: "swtpm",
  });
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const dir = mkdtempSync(join(tmpdir(), "homelab-libvirtd-"));
  // qemu runs as libvirt-qemu: it must be able to walk into pools and NVRAM dirs made under here.
  chmodSync(dir, 0o755);
  prepare(dir);
  const log = openSync(join(dir, "daemon.log"), "a");
  const child = spawn(
    "timeout",
    [
      String(options.maxLifetimeSeconds ?? 1800),
      "unshare",
      "--net",
      "--mount",
      "--pid",
      "--fork",
      "--kill-child",
      "--mount-proc",
      "--propagation",
      "private",
      "bash",
      "-c",
      insideScript(bindMounts(options.hostHasKvm ?? existsSync("/dev/kvm"))),
      "_",
      dir,
    ],
    { stdio: ["ignore", log, log] },
  );
  closeSync(log);
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );
  const uri = `qemu:///system?socket=${dir}/run/libvirt-sock`;

  const stop = async ({ keep = false }: { keep?: boolean } = {}): Promise<void> => {
    if (running.has(child) && child.pid) {
      process.kill(child.pid, "SIGTERM");
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        process.kill(child.pid, "SIGKILL");
        await Promise.race([exited, sleep(5_000)]);
      }
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  while (!(await answers(uri))) {
    if (!running.has(child) || Date.now() > deadline) {
      await stop({ keep: true });
      throw new Error(`the private libvirtd did not answer on ${uri} within ${readyTimeoutMs} ms: see ${join(dir, "daemon.log")}`);
    }
    await sleep(150);
  }
  return { uri, dir, pid: child.pid!, stop };
}
