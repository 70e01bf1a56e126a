// The bootstrap script does what the install relies on, with the markers the host reads.
// (Its syntax and house rules are checked with every other script by test/scripts/scripts.test.ts.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { firstLogonCommand } from "../../unattend/answer-file";
import { BOOTSTRAP_FILES } from "../../unattend/answer-media";
import { INSTALL_DONE, INSTALL_FAILED, readInstallState } from "../../unattend/marker";
import { PROJECT_DIR } from "../support/stacks";

const script = readFileSync(join(PROJECT_DIR, "scripts", "bootstrap", "Start-LabBootstrap.ps1"), "utf8");
const body = script.slice(script.indexOf("Invoke-LabPhase -Name 'bootstrap'"));

test("writes the markers the host reads, the completion last", () => {
  expect(INSTALL_DONE).toBe("HOMELAB-INSTALL-DONE");
  expect(INSTALL_FAILED).toBe("HOMELAB-INSTALL-FAILED");
  expect(body).toContain(`("HOMELAB-INSTALL-DONE {0}" -f $env:COMPUTERNAME)`);
  expect(body).toContain(`("HOMELAB-INSTALL-FAILED {0} {1}" -f $env:COMPUTERNAME, $reason)`);
  const order = [
    "Set-NetConnectionProfile",
    "Enable-LabWinRM.ps1",
    "AutoAdminLogon -Value '0'",
    "Remove-Item -LiteralPath $copy.FullName",
    "HOMELAB-INSTALL-DONE",
  ].map((s) => body.indexOf(s));
  expect(order.every((p) => p >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test("removes every cached answer file Setup may leave", () => {
  expect(body).toContain("Join-Path $env:WINDIR 'Panther'");
  expect(body).toContain("$_.Name -like 'unattend*.xml'");
  expect(body).toContain("Join-Path $env:WINDIR 'Panther\\Unattend'");
  expect(body).toContain("Join-Path $env:WINDIR 'System32\\Sysprep\\unattend.xml'");
  expect(body).toContain("foreach ($value in @('DefaultPassword', 'AutoLogonCount'))");
});

test("the answer medium carries every script the bootstrap calls, and the first-logon command finds it", () => {
  expect(BOOTSTRAP_FILES).toEqual(["bootstrap/Start-LabBootstrap.ps1", "common/Enable-LabWinRM.ps1", "modules/Logger.psm1", "modules/Validator.psm1"]);
  expect(script).toContain("Join-Path $PSScriptRoot '..\\common\\Enable-LabWinRM.ps1'");
  expect(readFileSync(join(PROJECT_DIR, "scripts", "common", "Enable-LabWinRM.ps1"), "utf8")).toContain("'..\\modules\\Validator.psm1'");
  expect(firstLogonCommand()).toContain("homelab\\bootstrap\\Start-LabBootstrap.ps1");
});

describe("reading the serial log", () => {
  // OVMF's lines as QEMU's serial port carries them (edk2 BdsDxe), then the bootstrap's marker.
  const firmware = [
    'BdsDxe: loading Boot0001 "UEFI QEMU HARDDISK QM00001 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)',
    'BdsDxe: failed to load Boot0001 "UEFI QEMU HARDDISK QM00001 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0): Not Found',
    'BdsDxe: loading Boot0002 "UEFI QEMU DVD-ROM QM00003 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)',
    'BdsDxe: starting Boot0002 "UEFI QEMU DVD-ROM QM00003 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)',
  ].join("\r\n");
  test.each([
    ["", { kind: "waiting", stage: "firmware: no boot line on the serial port yet", boots: 0 }],
    [firmware, { kind: "waiting", stage: "Windows Setup running from the installer DVD", boots: 1 }],
    [
      `${firmware}\r\nBdsDxe: starting Boot0003 "Windows Boot Manager" from HD(1,GPT,...)\r\n`,
      { kind: "waiting", stage: "Windows booting from its disk (setup passes, then first logon)", boots: 2 },
    ],
    [
      `${firmware}\r\nBdsDxe: starting Boot0003 "EFI Internal Shell" from Fv(7CB8BDC9)/FvFile(7C04A583)\r\n`,
      { kind: "waiting", stage: "firmware: trying boot options", boots: 2 },
    ],
    [`${firmware}\r\nHOMELAB-INSTALL-DONE DC01\r\n`, { kind: "done", line: "HOMELAB-INSTALL-DONE DC01" }],
    [`${firmware}\nHOMELAB-INSTALL-DONE dc01\n`, { kind: "done", line: "HOMELAB-INSTALL-DONE dc01" }],
    [
      `${firmware}\nHOMELAB-INSTALL-FAILED DC01 Enable-LabWinRM.ps1 exited with 1\n`,
      { kind: "failed", line: "HOMELAB-INSTALL-FAILED DC01 Enable-LabWinRM.ps1 exited with 1", reason: "Enable-LabWinRM.ps1 exited with 1" },
    ],
    [`HOMELAB-INSTALL-DONE SCCM01\n`, { kind: "waiting", stage: "firmware: no boot line on the serial port yet", boots: 0 }],
  ])("%j", (log, state) => {
    expect(readInstallState(log, "DC01")).toEqual(state);
  });
});
