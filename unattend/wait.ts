// Waits for a VM's install marker on its serial log: progress at least every minute, a clear
// error on timeout or failure, and the answer ISO ejected and deleted once the marker is seen.
import type { LabSpec } from "../lab";
import { isWindows } from "../lab";
import { InstallState, lastLines, readInstallState } from "./marker";

export class InstallWaitError extends Error {
  override name = "InstallWaitError";
}

/** About 10 minutes per Windows VM on KVM (they install in parallel and share the host's disk), ten times that under TCG. */
export function installTimeoutMinutes(spec: Pick<LabSpec, "vms" | "libvirt" | "guest">): number {
  if (spec.guest.installTimeoutMinutes !== undefined) return spec.guest.installTimeoutMinutes;
  const windows = Math.max(1, spec.vms.filter(isWindows).length);
  return 10 * windows * (spec.libvirt.domainType === "kvm" ? 1 : 10);
}

export interface WaitIo {
  /** The serial log's text, or undefined while it does not exist. */
  readSerialLog(): Promise<string | undefined>;
  /** libvirt's state of the domain ("running", "shut off", ...). */
  domainState(): Promise<string>;
  /** Ejects the answer CD from the running domain and deletes the ISO. */
  removeAnswerMedia(): Promise<void>;
  log(message: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface WaitOptions {
  vm: string;
  hostname: string;
  uri: string;
  serialLog: string;
  timeoutMs: number;
  pollMs?: number;
  progressMs?: number;
}

export interface WaitResult {
  marker: string;
  waitedSeconds: number;
}

const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;

export function consoleHint(uri: string, vm: string): string {
  return `look at its console: virt-viewer -c '${uri}' ${vm} (or virsh -c '${uri}' domdisplay ${vm} for the VNC address)`;
}

export async function waitForInstall(o: WaitOptions, io: WaitIo): Promise<WaitResult> {
  const poll = o.pollMs ?? 5_000;
  const progressEvery = o.progressMs ?? 60_000;
  const start = io.now();
  let lastProgress = start;
  let state: InstallState = { kind: "waiting", stage: "firmware: no boot line on the serial port yet", boots: 0 };
  io.log(`${o.vm}: waiting for Windows Setup to finish (marker on ${o.serialLog}; at most ${minutes(o.timeoutMs)})`);
  for (;;) {
    const text = (await io.readSerialLog()) ?? "";
    state = readInstallState(text, o.hostname);
    const tail = () =>
      lastLines(text, 10)
        .map((l) => `    ${l}`)
        .join("\n") || "    (the serial log is empty)";
    if (state.kind === "done") {
      await io.removeAnswerMedia();
      const waitedSeconds = Math.round((io.now() - start) / 1000);
      io.log(`${o.vm}: installed (${state.line}) after ${minutes(io.now() - start)}; answer ISO ejected and deleted`);
      return { marker: state.line, waitedSeconds };
    }
    if (state.kind === "failed") {
      throw new InstallWaitError(
        `${o.vm}: the first-logon bootstrap failed: ${state.reason}. Last serial lines:\n${tail()}\nThe bootstrap's log is C:\\Lab\\logs in the guest; ${consoleHint(o.uri, o.vm)}`,
      );
    }
    const elapsed = io.now() - start;
    const domain = await io.domainState();
    if (domain === "shut off" || domain === "crashed") {
      // The guest may have written its marker and powered off between the read above and this
      // check (a build VM does, after sysprep): read the log once more before calling it a failure.
      const final = readInstallState((await io.readSerialLog()) ?? "", o.hostname);
      if (final.kind === "done" || final.kind === "failed") continue;
      throw new InstallWaitError(
        `${o.vm}: the domain is ${domain} and no install marker was written (${state.stage}). Last serial lines:\n${tail()}\nStart it with virsh -c '${o.uri}' start ${o.vm} and ${consoleHint(o.uri, o.vm)}`,
      );
    }
    if (elapsed >= o.timeoutMs) {
      throw new InstallWaitError(
        `${o.vm}: no install marker after ${minutes(elapsed)} (homelab:installTimeoutMinutes; last stage: ${state.stage}). Last serial lines of ${o.serialLog}:\n${tail()}\nTo see what Setup shows, ${consoleHint(o.uri, o.vm)}`,
      );
    }
    if (io.now() - lastProgress >= progressEvery) {
      io.log(`${o.vm}: ${state.stage}, boot ${state.boots}; ${minutes(elapsed)} of at most ${minutes(o.timeoutMs)}`);
      lastProgress = io.now();
    }
    await io.sleep(Math.min(poll, Math.max(1, o.timeoutMs - elapsed)));
  }
}
