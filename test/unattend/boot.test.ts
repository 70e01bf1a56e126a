// A real boot under TCG in the private libvirtd (test/support/private-libvirtd.ts): OVMF, the
// domain XML the renderer writes for an unattended Windows VM, the installer ISO rebuilt by
// unattend/install-media.ts from a fake tree, the answer ISO built by the InstallMedia provider.
//  1. Secure Boot with Microsoft's keys enrolled: OVMF tries the empty disk first (Not Found), then
//     the DVD's EFI loader, an unsigned test application, which Secure Boot refuses (Access
//     Denied): that proves the boot entry, the order and the enforcement. The wait then times out
//     with the last serial lines.
//  2. The wait flow end to end, with Secure Boot OFF for this one test: the stand-in "installer" is
//     OVMF's built-in UEFI Shell running startup.nsh from the DVD's no-prompt EFI image. Its
//     `echo HOMELAB-INSTALL-DONE DC01` reaches COM1 because OVMF mirrors its console on the serial
//     port, and `reset -s` powers the guest off. (The DVD's own BOOTX64.EFI is not a valid image,
//     so OVMF moves on to the shell.) Under Secure Boot the shell itself is refused.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderDomainXml } from "../../libvirt/render";
import type { LabSpec, VmSpec } from "../../lab";
import { renderAnswerFile } from "../../unattend/answer-file";
import { media, wait } from "../../unattend/provider/ops";
import { answerIsoPath, noPromptIsoPath } from "../../unattend/paths";
import { InstallWaitError } from "../../unattend/wait";
import { PrivateLibvirtd, startPrivateLibvirtd } from "../support/private-libvirtd";
import { clone, stackSpec } from "../support/stacks";
import { fakeInstallerIso } from "./fake-media";

jest.setTimeout(900_000);
let daemon: PrivateLibvirtd;
beforeAll(async () => {
  daemon = await startPrivateLibvirtd({ maxLifetimeSeconds: 1500 });
});
afterAll(async () => {
  await daemon?.stop();
});

const quiet = { info: () => undefined };
// eslint-disable-next-line no-control-regex -- OVMF's console output carries ANSI escapes (ESC) to strip
const strip = (s: string) => s.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SERVER_EVAL = ["Windows Server 2022 Standard Evaluation", "Windows Server 2022 Standard Evaluation (Desktop Experience)"];

/** The nokvm lab's DC01 with everything under `root`: no NICs (no network needed), 512 MiB, the fake installer. */
function labUnder(root: string, secureBoot: boolean, fake: Parameters<typeof fakeInstallerIso>[1]): { spec: LabSpec; vm: VmSpec } {
  for (const d of ["iso", "nvram", "pool", "src"]) mkdirSync(join(root, d), { recursive: true });
  // qemu runs as libvirt-qemu: it must walk into these folders.
  chmodSync(root, 0o755);
  const spec = clone(stackSpec("nokvm"));
  spec.pool = { ...spec.pool, path: join(root, "pool") };
  spec.libvirt.nvramDir = join(root, "nvram");
  const vm = spec.vms.find((v) => v.name === "DC01")!;
  spec.vms = [vm];
  vm.nics = [];
  vm.memoryBytes = 512 * 2 ** 20;
  vm.nvramPath = join(root, "nvram", "DC01_VARS.fd");
  vm.firmware = { uefi: true, secureBoot };
  vm.isos = { install: join(root, "iso", "windows-server-2022.iso") };
  copyFileSync(fakeInstallerIso(join(root, "src"), fake), vm.isos.install!);
  return { spec, vm };
}

function virsh(...args: string[]): string {
  return execFileSync("virsh", ["-c", daemon.uri, ...args], { encoding: "utf8" });
}

function mediaInputs(spec: LabSpec, vm: VmSpec) {
  return {
    uri: daemon.uri,
    name: vm.name,
    hostname: vm.hostname,
    os: "windows-server-2022" as const,
    configPath: "homelab:vms[0].iso",
    sourceIso: vm.isos.install!,
    pool: spec.pool.name,
    volume: vm.volume,
    answerIso: answerIsoPath(spec.pool, vm),
    // The private daemon's /var/log/libvirt is its own log folder: the same file, as this host sees it.
    serialLog: join(daemon.dir, "log", "qemu", `${vm.name}-serial.log`),
    readableXml: renderAnswerFile(spec, vm, "placeholder"),
    adminPassword: "Lab-Test-Only-1",
  };
}

/** Pool, volume, the InstallMedia provider's create, then the renderer's domain XML defined and started. */
async function bootDomain(spec: LabSpec, vm: VmSpec) {
  virsh("pool-define-as", spec.pool.name, "dir", "--target", spec.pool.path);
  virsh("pool-start", spec.pool.name);
  virsh("vol-create-as", spec.pool.name, vm.volume, "1G", "--format", "qcow2");
  const made = await media.create(mediaInputs(spec, vm), quiet);
  const xmlFile = join(spec.pool.path, "..", "domain.xml");
  writeFileSync(xmlFile, renderDomainXml(vm, spec));
  virsh("define", "--validate", xmlFile);
  virsh("start", vm.name);
  return made.outs;
}

async function serialUntil(file: string, pattern: RegExp, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = existsSync(file) ? strip(readFileSync(file, "utf8")) : "";
    if (pattern.test(text) || Date.now() > end) return text;
    await sleep(1000);
  }
}

function teardown(spec: LabSpec, vm: VmSpec): void {
  if (!/shut off/.test(virsh("domstate", vm.name))) virsh("destroy", vm.name);
  virsh("undefine", "--nvram", vm.name);
  virsh("pool-destroy", spec.pool.name);
  virsh("pool-undefine", spec.pool.name);
}

test("Secure Boot: the empty disk is skipped, the DVD's unsigned EFI loader is refused, the wait times out with the serial lines", async () => {
  const { spec, vm } = labUnder(join(daemon.dir, "sb"), true, { imageNames: SERVER_EVAL, volumeId: "SSS_X64FREE_EN-US_DV9" });
  const outs = await bootDomain(spec, vm);
  expect(outs.adopted).toBe("");
  expect(outs.installIso).toBe(noPromptIsoPath(vm.isos.install!));
  expect(existsSync(outs.answerIso)).toBe(true);
  const live = virsh("dumpxml", vm.name);
  expect(live).toMatch(/<loader readonly='yes' secure='yes' type='pflash'>\/usr\/share\/OVMF\/OVMF_CODE_4M\.(ms|secboot)\.fd<\/loader>/);
  expect(live).toContain(`<source file='${outs.answerIso}' startupPolicy='optional'`);

  const serial = mediaInputs(spec, vm).serialLog;
  const log = await serialUntil(serial, /DVD-ROM[^\n]*: Access Denied/, 600_000);
  const lines = log.split(/\r?\n/);
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const diskSkipped = at(/BdsDxe: failed to load Boot\d{4} "UEFI QEMU HARDDISK[^"]*" from .*: Not Found/);
  const dvdLoading = at(/BdsDxe: loading Boot\d{4} "UEFI QEMU DVD-ROM[^"]*" from /);
  const dvdRefused = at(/BdsDxe: failed to load Boot\d{4} "UEFI QEMU DVD-ROM[^"]*" from .*: Access Denied/);
  expect({ diskSkipped: diskSkipped >= 0, dvdLoading: dvdLoading > diskSkipped, dvdRefused: dvdRefused > dvdLoading }).toEqual({
    diskSkipped: true,
    dvdLoading: true,
    dvdRefused: true,
  });

  const waitInputs = {
    uri: daemon.uri,
    name: vm.name,
    hostname: vm.hostname,
    serialLog: serial,
    answerIso: outs.answerIso,
    adopted: "",
    timeoutMs: 3_000,
    domainUuid: vm.uuid,
    pollMs: 500,
  };
  const err = await wait.create(waitInputs, quiet).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InstallWaitError);
  expect((err as Error).message).toMatch(
    /^DC01: no install marker after 0 min \(homelab:installTimeoutMinutes; last stage: firmware: trying boot options\)\. Last serial lines of \S+DC01-serial\.log:\n/,
  );
  expect((err as Error).message).toContain(": Access Denied");
  expect((err as Error).message).toContain(`look at its console: virt-viewer -c '${daemon.uri}' DC01`);
  expect(existsSync(outs.answerIso)).toBe(true);
  teardown(spec, vm);
});

test("the wait flow end to end (Secure Boot off): marker seen, answer ISO deleted, the VM adopted next time and bootable without it", async () => {
  const { spec, vm } = labUnder(join(daemon.dir, "e2e"), false, {
    imageNames: SERVER_EVAL,
    volumeId: "SSS_X64FREE_EN-US_DV9",
    loader: Buffer.from("not an EFI application"),
    startupNsh: "echo HOMELAB-INSTALL-DONE DC01\r\nreset -s\r\n",
  });
  const outs = await bootDomain(spec, vm);
  expect(existsSync(outs.answerIso)).toBe(true);
  const serial = mediaInputs(spec, vm).serialLog;
  const progress: string[] = [];
  const done = await wait.create(
    {
      uri: daemon.uri,
      name: vm.name,
      hostname: vm.hostname,
      serialLog: serial,
      answerIso: outs.answerIso,
      adopted: outs.adopted,
      timeoutMs: 600_000,
      domainUuid: vm.uuid,
      pollMs: 1000,
    },
    { info: (m) => progress.push(m) },
  );
  expect(done.outs).toMatchObject({ installed: true, marker: "HOMELAB-INSTALL-DONE DC01" });
  expect(progress.at(-1)).toMatch(/^DC01: installed \(HOMELAB-INSTALL-DONE DC01\) after \d+ min; answer ISO ejected and deleted$/);
  expect(existsSync(outs.answerIso)).toBe(false);
  expect(existsSync(join(outs.answerIso, ".."))).toBe(false);
  expect(existsSync(noPromptIsoPath(vm.isos.install!))).toBe(true);
  // The stand-in powered the guest off with `reset -s`.
  for (let i = 0; i < 30 && !/shut off/.test(virsh("domstate", vm.name)); i++) await sleep(1000);
  expect(virsh("domstate", vm.name).trim()).toBe("shut off");

  // Next run: the media provider sees the marker, builds no answer ISO; the wait does not wait.
  const again = await media.update("DC01-media", outs, mediaInputs(spec, vm), quiet);
  expect(again.outs.adopted).toBe(`its serial log ${serial} holds the install marker`);
  expect(existsSync(outs.answerIso)).toBe(false);
  const adopted = await wait.create(
    {
      uri: daemon.uri,
      name: vm.name,
      hostname: vm.hostname,
      serialLog: serial,
      answerIso: outs.answerIso,
      adopted: again.outs.adopted,
      timeoutMs: 1_000,
      domainUuid: vm.uuid,
    },
    quiet,
  );
  expect(adopted.outs).toMatchObject({ installed: true, marker: "", waitedSeconds: 0 });

  // The persistent XML still names the deleted answer ISO; startupPolicy optional lets the domain start without it.
  virsh("start", vm.name);
  expect(virsh("domstate", vm.name).trim()).toBe("running");
  expect(virsh("dumpxml", vm.name)).not.toContain(outs.answerIso);
  teardown(spec, vm);
});
