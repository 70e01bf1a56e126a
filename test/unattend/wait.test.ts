// The wait for the install marker, driven by a scripted serial log and clock: progress at least
// every minute, the errors' wording, and the answer media removed only on success.
import { fillAnswerPasswords } from "../../unattend/fill";
import { isWindows } from "../../lab";
import { renderAnswerFile } from "../../unattend/answer-file";
import { installTimeoutMinutes, InstallWaitError, waitForInstall, WaitIo } from "../../unattend/wait";
import { clone, STACKS, stackSpec } from "../support/stacks";

const FIRMWARE =
  'BdsDxe: loading Boot0001 "UEFI QEMU DVD-ROM QM00003 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)\r\nBdsDxe: starting Boot0001 "UEFI QEMU DVD-ROM QM00003 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)\r\n';

/** A guest whose serial log is `logAt(minute)`; each sleep advances a fake clock. */
function scripted(logAt: (minute: number) => string | undefined, state: (minute: number) => string = () => "running") {
  let t = 0;
  const lines: string[] = [];
  let removed = 0;
  const io: WaitIo = {
    readSerialLog: async () => logAt(t / 60_000),
    domainState: async () => state(t / 60_000),
    removeAnswerMedia: async () => {
      removed++;
    },
    log: (m) => lines.push(`[${(t / 60_000).toFixed(1)}] ${m}`),
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  return { io, lines, removed: () => removed };
}

const options = {
  vm: "DC01",
  hostname: "DC01",
  uri: "qemu:///system",
  serialLog: "/var/log/libvirt/qemu/DC01-serial.log",
  timeoutMs: 10 * 60_000,
  pollMs: 5_000,
};

test("returns on the marker, removes the answer media, and reported progress every minute before", async () => {
  const g = scripted((m) => (m < 0.5 ? undefined : m < 7 ? FIRMWARE : `${FIRMWARE}HOMELAB-INSTALL-DONE DC01\r\n`));
  const result = await waitForInstall(options, g.io);
  expect(result).toEqual({ marker: "HOMELAB-INSTALL-DONE DC01", waitedSeconds: 420 });
  expect(g.removed()).toBe(1);
  expect(g.lines).toEqual([
    "[0.0] DC01: waiting for Windows Setup to finish (marker on /var/log/libvirt/qemu/DC01-serial.log; at most 10 min)",
    "[1.0] DC01: Windows Setup running from the installer DVD, boot 1; 1 min of at most 10 min",
    "[2.0] DC01: Windows Setup running from the installer DVD, boot 1; 2 min of at most 10 min",
    "[3.0] DC01: Windows Setup running from the installer DVD, boot 1; 3 min of at most 10 min",
    "[4.0] DC01: Windows Setup running from the installer DVD, boot 1; 4 min of at most 10 min",
    "[5.0] DC01: Windows Setup running from the installer DVD, boot 1; 5 min of at most 10 min",
    "[6.0] DC01: Windows Setup running from the installer DVD, boot 1; 6 min of at most 10 min",
    "[7.0] DC01: installed (HOMELAB-INSTALL-DONE DC01) after 7 min; answer ISO ejected and deleted",
  ]);
});

test("times out naming the VM, the stage, the last serial lines and how to open the console", async () => {
  const g = scripted(() => FIRMWARE);
  await expect(waitForInstall(options, g.io)).rejects.toThrow(
    new InstallWaitError(
      "DC01: no install marker after 10 min (homelab:installTimeoutMinutes; last stage: Windows Setup running from the installer DVD). Last serial lines of /var/log/libvirt/qemu/DC01-serial.log:\n" +
        '    BdsDxe: loading Boot0001 "UEFI QEMU DVD-ROM QM00003 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)\n' +
        '    BdsDxe: starting Boot0001 "UEFI QEMU DVD-ROM QM00003 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)\n' +
        "To see what Setup shows, look at its console: virt-viewer -c 'qemu:///system' DC01 (or virsh -c 'qemu:///system' domdisplay DC01 for the VNC address)",
    ),
  );
  expect(g.removed()).toBe(0);
  expect(g.lines.filter((l) => l.includes("of at most")).length).toBe(9);
});

test("a failure marker stops the wait at once with the bootstrap's reason", async () => {
  const g = scripted((m) => (m < 2 ? FIRMWARE : `${FIRMWARE}HOMELAB-INSTALL-FAILED DC01 Enable-LabWinRM.ps1 exited with 1\r\n`));
  await expect(waitForInstall(options, g.io)).rejects.toThrow(
    /^DC01: the first-logon bootstrap failed: Enable-LabWinRM\.ps1 exited with 1\. Last serial lines:\n {4}BdsDxe: loading/,
  );
  expect(g.removed()).toBe(0);
});

test("a domain that shuts off without the marker is an error, not a long wait", async () => {
  const g = scripted(
    () => FIRMWARE,
    (m) => (m < 3 ? "running" : "shut off"),
  );
  await expect(waitForInstall(options, g.io)).rejects.toThrow(
    /^DC01: the domain is shut off and no install marker was written \(Windows Setup running from the installer DVD\)/,
  );
});

test("a marker written just before the guest powers off still counts (read again once the domain is off)", async () => {
  // The poll's first read sees no marker; the guest writes it and powers off before the state check.
  let reads = 0;
  const g = scripted(
    (m) => (m >= 3 && ++reads >= 2 ? `${FIRMWARE}HOMELAB-INSTALL-DONE DC01\r\n` : FIRMWARE),
    (m) => (m < 3 ? "running" : "shut off"),
  );
  await expect(waitForInstall(options, g.io)).resolves.toMatchObject({ marker: "HOMELAB-INSTALL-DONE DC01" });
  expect(g.removed()).toBe(1);
});

test("another VM's marker does not count", async () => {
  const g = scripted(() => `${FIRMWARE}HOMELAB-INSTALL-DONE SCCM01\r\n`);
  await expect(waitForInstall({ ...options, timeoutMs: 60_000 }, g.io)).rejects.toThrow(/^DC01: no install marker after 1 min/);
});

test.each([
  ["dev", 40],
  ["split-sql", 40],
  ["minimal", 20],
  ["nokvm", 200],
])("the default timeout of %s is %d minutes (10 per Windows VM on KVM, ten times that under TCG)", (stack, minutes) => {
  expect(installTimeoutMinutes(stackSpec(stack))).toBe(minutes);
});

test("homelab:installTimeoutMinutes overrides the default", () => {
  const spec = clone(stackSpec("dev"));
  spec.guest.installTimeoutMinutes = 90;
  expect(installTimeoutMinutes(spec)).toBe(90);
});

describe("filling the readable answer file gives exactly the file rendered with the password", () => {
  const cases = STACKS.flatMap((s) => {
    const spec = stackSpec(s);
    return spec.vms.filter(isWindows).map((vm) => [`${s}/${vm.name}`, spec, vm] as const);
  });
  test.each(cases)("%s", (_id, spec, vm) => {
    for (const password of ["Lab-Test-Only-1", "a<b&c>\"d'é€"]) {
      expect(fillAnswerPasswords(renderAnswerFile(spec, vm, "placeholder"), password)).toBe(renderAnswerFile(spec, vm, { adminPassword: password }));
    }
  });
  test("an empty password is refused", () => {
    const spec = stackSpec("dev");
    expect(() => fillAnswerPasswords(renderAnswerFile(spec, spec.vms[0], "placeholder"), "")).toThrow("homelab:adminPassword is empty");
  });
});
