// VirtIO drivers and the QEMU guest agent in the base image: the build VM gets virtio-win.iso as a CD, its
// answer file installs both after the bootstrap and before sysprep, and every Windows domain has the agent's
// channel (checked against libvirt's own schema by virt-xml-validate).
import { XMLParser } from "fast-xml-parser";
import { buildVmSpec, renderBaseAnswerFile } from "../../base-images/answer-file";
import type { VmSpec } from "../../lab";
import { renderDomainXml } from "../../libvirt/render";
import { LIMITS } from "../../unattend/reference";
import { fillAnswerPasswords } from "../../unattend/fill";
import { runProgram } from "../components/harness";
import { stackSpec } from "../support/stacks";
import { expectValidLibvirtXml } from "../support/xml-validate";

jest.setTimeout(180_000);

const DRIVERS_2K22 =
  "powershell.exe -NoProfile -ExecutionPolicy Bypass -Command \"$v = Get-PSDrive -PSProvider FileSystem | Where-Object { Test-Path (Join-Path $_.Root 'guest-agent\\qemu-ga-x86_64.msi') } | Select-Object -First 1; if (-not $v) { exit 3 }; " +
  "foreach ($d in Get-ChildItem -Path $v.Root -Directory) { $p = Join-Path $d.FullName '2k22\\amd64'; if (Test-Path $p) { pnputil.exe /add-driver (Join-Path $p '*.inf') /install } }; exit 0\"";
const AGENT =
  "powershell.exe -NoProfile -ExecutionPolicy Bypass -Command \"$v = Get-PSDrive -PSProvider FileSystem | Where-Object { Test-Path (Join-Path $_.Root 'guest-agent\\qemu-ga-x86_64.msi') } | Select-Object -First 1; if (-not $v) { exit 3 }; " +
  "$m = Start-Process -FilePath msiexec.exe -ArgumentList '/i', (Join-Path $v.Root 'guest-agent\\qemu-ga-x86_64.msi'), '/qn', '/norestart' -Wait -PassThru; exit $m.ExitCode\"";
const SYSPREP = "%WINDIR%\\System32\\Sysprep\\sysprep.exe /generalize /oobe /shutdown /quiet";

const spec = stackSpec("dev");
const parser = new XMLParser({ ignoreAttributes: false, isArray: (n) => ["settings", "component", "SynchronousCommand", "disk", "channel"].includes(n) });
function firstLogon(xml: string): Array<Record<string, unknown>> {
  const oobe = parser.parse(xml).unattend.settings.find((s: Record<string, string>) => s["@_pass"] === "oobeSystem");
  return oobe.component.find((c: Record<string, string>) => c["@_name"] === "Microsoft-Windows-Shell-Setup").FirstLogonCommands.SynchronousCommand;
}
type Disk = { "@_device": string; source: Record<string, string>; target: Record<string, string> };
const byName = (name: string): VmSpec => spec.vms.find((vm) => vm.name === name)!;

describe("the base answer file with virtio-win.iso", () => {
  test("Server 2022: bootstrap, the 2k22 drivers by pnputil, the guest agent MSI, then sysprep", () => {
    expect(byName("DC01").isos.virtio).toBe("/var/lib/libvirt/iso/virtio-win.iso");
    const xml = fillAnswerPasswords(renderBaseAnswerFile(spec, buildVmSpec(byName("DC01"), "base.qcow2", "/nvram"), "placeholder"), "Bu1ld-Aa1");
    const commands = firstLogon(xml);
    expect(commands.map((c) => [c.Order, c.Description])).toEqual([
      [1, "Homelab bootstrap: WinRM, then the completion marker on COM1"],
      [2, "Homelab base image: VirtIO drivers from virtio-win.iso"],
      [3, "Homelab base image: QEMU guest agent from virtio-win.iso"],
      [4, "Homelab base image: generalize and power off"],
    ]);
    expect(commands.slice(1).map((c) => c.CommandLine)).toEqual([DRIVERS_2K22, AGENT, SYSPREP]);
    for (const c of commands) expect(String(c.CommandLine).length).toBeLessThanOrEqual(LIMITS.commandLine);
  });

  test("Windows 11 takes the w11 driver folders", () => {
    const commands = firstLogon(renderBaseAnswerFile(spec, buildVmSpec(byName("CLIENT01"), "base.qcow2", "/nvram"), "placeholder"));
    expect(commands[1].CommandLine).toBe(DRIVERS_2K22.replace("'2k22\\amd64'", "'w11\\amd64'"));
    expect(String(commands[1].CommandLine)).toContain("$p = Join-Path $d.FullName 'w11\\amd64';");
  });

  test("without virtio-win.iso: bootstrap then sysprep, nothing from the ISO", () => {
    const { virtio: _none, ...isos } = byName("DC01").isos;
    const xml = renderBaseAnswerFile(spec, buildVmSpec({ ...byName("DC01"), isos }, "base.qcow2", "/nvram"), "placeholder");
    expect(firstLogon(xml).map((c) => [c.Order, c.CommandLine === SYSPREP])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(xml).not.toContain("pnputil");
    expect(xml).not.toContain("qemu-ga");
  });

  test("another virtio-win file name is another base answer file, so another base image", () => {
    const a = renderBaseAnswerFile(spec, buildVmSpec(byName("DC01"), "base.qcow2", "/nvram"), "placeholder");
    const b = renderBaseAnswerFile(spec, buildVmSpec(byName("DC01"), "base.qcow2", "/nvram", "/isos/virtio-win-0.1.271.iso"), "placeholder");
    expect(b).toContain("<Description>Homelab base image: VirtIO drivers from virtio-win-0.1.271.iso</Description>");
    expect(a).not.toBe(b);
  });
});

describe("the build VM's domain", () => {
  const vm = buildVmSpec(byName("DC01"), "base-windows-server-2022-0123456789ab.qcow2", "/nvram");
  const xml = renderDomainXml(vm, spec);

  test("is valid for libvirt's schema", async () => {
    await expectValidLibvirtXml(xml, "domain");
  });

  test("has virtio-win.iso as a read-only CD beside the installer and the answer CD, and the guest agent's channel", () => {
    const devices = parser.parse(xml).domain.devices;
    const cds = (devices.disk as Disk[]).filter((d) => d["@_device"] === "cdrom");
    expect(cds.map((d) => [d.source["@_file"], d.target["@_dev"]])).toEqual([
      ["/var/lib/libvirt/iso/homelab-noprompt/windows-server-2022.iso", "sdb"],
      ["/var/lib/libvirt/iso/virtio-win.iso", "sdc"],
      ["/var/lib/libvirt/images/homelab-answers/homelab-build-windows-server-2022-autounattend.iso", "sdd"],
    ]);
    expect(devices.channel).toEqual([{ "@_type": "unix", target: { "@_type": "virtio", "@_name": "org.qemu.guest_agent.0" } }]);
  });
});

test("in the program: the base's build VM gets virtio-win.iso, and every clone's domain the guest agent channel", async () => {
  const run = await runProgram(
    "dev",
    (c) => {
      c.disks = "linked";
      // The install and its base images, not the guest phases (on by default), are under test here.
      c.guestPhases = false;
    },
    { adminPassword: "Adm1n-Secret-Value" },
  );
  expect(run.error).toBeUndefined();
  for (const os of ["windows-server-2022", "windows-11"]) {
    const base = run.registrations.find((r) => r.name === `dev-base-${os}`)!;
    const cds = (parser.parse(String(base.inputs.buildDomainXml)).domain.devices.disk as Disk[])
      .filter((d) => d["@_device"] === "cdrom")
      .map((d) => d.source["@_file"]);
    expect(cds.filter((f) => f.endsWith("/virtio-win.iso"))).toHaveLength(1);
    const media = run.registrations.find((r) => r.name === `dev-base-${os}-media`)!;
    expect(String(media.inputs.readableXml)).toContain("pnputil.exe /add-driver");
  }
  for (const vm of ["DC01", "SCCM01", "CLIENT01", "CLIENT02"]) {
    const domain = parser.parse(String(run.registrations.find((r) => r.name === `dev-${vm}-domain`)!.inputs.xml)).domain;
    expect(domain.devices.channel).toEqual([{ "@_type": "unix", target: { "@_type": "virtio", "@_name": "org.qemu.guest_agent.0" } }]);
  }
});
