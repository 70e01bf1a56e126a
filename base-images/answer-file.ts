// The base answer file: the unattended install's answer file for a build VM (no NICs, nothing of the
// lab), with one more first-logon command after the bootstrap's marker: generalize and power off.
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { deriveUuid } from "../lab";
import type { LabSpec, VmSpec } from "../lab";
import { renderAnswerFile } from "../unattend/answer-file";
import type { AnswerPasswords } from "../unattend/answer-file";
import type { WindowsOs } from "../unattend/images";

const SHORT: Record<WindowsOs, string> = {
  "windows-server-2022": "WS2022",
  "windows-server-2025": "WS2025",
  "windows-11": "W11",
  "windows-10": "W10",
};

/** Build VM names: the domain and the Windows computer name (at most 15 characters). Pure. */
export const buildVmName = (os: WindowsOs): string => `homelab-build-${os}`;
export const buildHostname = (os: WindowsOs): string => `BASE-${SHORT[os]}`;

/**
 * Sysprep Command-Line Options (Microsoft Learn, "Sysprep (Generalize) a Windows installation"):
 * /generalize removes machine-specific data (SID, computer name), /oobe makes the next boot run the
 * specialize and oobeSystem passes, /shutdown powers off, which the build flow waits for. No /unattend:
 * the clones' own answer file must be the one Setup finds at specialize (see the README, "Base images").
 */
export const SYSPREP_COMMAND = "%WINDIR%\\System32\\Sysprep\\sysprep.exe /generalize /oobe /shutdown /quiet";

/** The build VM of one edition: the first lab VM of that edition, without NICs, named for the edition, with `virtioIso` (default: the template's). Pure. */
export function buildVmSpec(template: VmSpec, volume: string, nvramDir: string, virtioIso: string | undefined = template.isos.virtio): VmSpec {
  const os = template.os as WindowsOs;
  const name = buildVmName(os);
  // Its own UUID, the same from every stack on the host: base images are shared by the labs of a host.
  return {
    ...template,
    name,
    uuid: deriveUuid("homelab-base-images", "vm", name),
    hostname: buildHostname(os),
    volume,
    nics: [],
    isos: { install: template.isos.install, ...(virtioIso ? { virtio: virtioIso } : {}) },
    nvramPath: `${nvramDir.replace(/\/+$/, "")}/${name}_VARS.fd`,
    start: true,
  };
}

/** Says in the readable copy (preview shows it) whose password the placeholder stands for. */
export const BUILD_PASSWORD_COMMENT =
  "<!-- Homelab base image: every password in this file is a throwaway build password, random per pulumi run and never homelab:adminPassword. -->";

/** The one element between `open` and `close` (inclusive, whole lines) removed; throws unless there is exactly one. Pure. */
function withoutBlock(xml: string, open: string, close: string): string {
  const at = xml.indexOf(open);
  if (at < 0 || xml.indexOf(open, at + 1) >= 0) throw new Error(`the unattended answer file has no single ${open} to remove`);
  const end = xml.indexOf(close, at);
  const lineStart = xml.lastIndexOf("\n", at) + 1;
  const lineEnd = xml.indexOf("\n", end) + 1;
  return xml.slice(0, lineStart) + xml.slice(lineEnd);
}

/**
 * autounattend.xml of the build VM; FirstLogonCommands run in Order, one after another (Microsoft-Windows-Shell-Setup | FirstLogonCommands | SynchronousCommand).
 * `passwords` is the build VM's throwaway password, never the lab's: no lab secret is baked into the base image.
 * Generalize removes machine-specific data (SID, computer name, event logs, restore points: "Sysprep (Generalize)
 * a Windows installation"); clearing local accounts' passwords is not among what it is documented to reset, so a
 * password used in the build stays in the image's SAM until a clone's oobeSystem pass sets a new one.
 * No lab admin account either (UserAccounts | LocalAccounts removed): only the built-in Administrator, whose
 * AutoLogon runs the bootstrap and sysprep. Each clone's own answer file sets the Administrator's password again
 * (UserAccounts | AdministratorPassword, oobeSystem pass) and creates the lab admin (LocalAccounts), since a
 * generalized image runs oobeSystem again at its first boot (sysprep /oobe: "Sysprep Command-Line Options").
 * OOBE | HideLocalAccountScreen stays true with no local account: the reference asks for UserAccounts |
 * AdministratorPassword in that case, which the build password fills (our reading; not run on Windows here).
 */
export function renderBaseAnswerFile(spec: LabSpec, buildVm: VmSpec, passwords: AnswerPasswords): string {
  const xml = withoutBlock(renderAnswerFile({ ...spec, vms: [buildVm] }, buildVm, passwords), "<LocalAccounts>", "</LocalAccounts>");
  // After the bootstrap (Order 1, the install marker): the VirtIO drivers and the guest agent when the build VM has
  // virtio-win.iso, then sysprep, last, since it powers the VM off.
  const virtio = buildVm.isos.virtio;
  const steps: Array<[string, string]> = [
    ...(virtio
      ? ([
          [virtioDriversCommand(buildVm.os as WindowsOs), `Homelab base image: VirtIO drivers from ${basename(virtio)}`],
          [GUEST_AGENT_COMMAND, `Homelab base image: QEMU guest agent from ${basename(virtio)}`],
        ] as Array<[string, string]>)
      : []),
    [SYSPREP_COMMAND, "Homelab base image: generalize and power off"],
  ];
  const commands = steps
    .map(([line, description], i) =>
      [
        '      <SynchronousCommand wcm:action="add">',
        `        <Order>${i + 2}</Order>`,
        `        <CommandLine>${escapeXml(line)}</CommandLine>`,
        `        <Description>${escapeXml(description)}</Description>`,
        "        <RequiresUserInput>false</RequiresUserInput>",
        "      </SynchronousCommand>",
      ].join("\n"),
    )
    .join("\n");
  const end = "</FirstLogonCommands>";
  const at = xml.indexOf(end);
  if (at < 0 || xml.indexOf(end, at + 1) >= 0) throw new Error("the unattended answer file has no single FirstLogonCommands list to extend");
  const lineStart = xml.lastIndexOf("\n", at) + 1;
  const withSteps = `${xml.slice(0, lineStart)}${commands}\n${xml.slice(lineStart)}`;
  const declarationEnd = withSteps.indexOf("?>") + 2;
  return `${withSteps.slice(0, declarationEnd)}\n${BUILD_PASSWORD_COMMENT}${withSteps.slice(declarationEnd)}`;
}

const escapeXml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * virtio-win.iso's driver folders per Windows version: <driver>\<version>\amd64\*.inf, e.g. NetKVM\2k22\amd64
 * (virtio-win-pkg-scripts README and the Fedora docs "Creating Windows virtual machines using virtIO drivers").
 */
export const VIRTIO_OS_DIR: Record<WindowsOs, string> = {
  "windows-server-2022": "2k22",
  "windows-server-2025": "2k25",
  "windows-11": "w11",
  "windows-10": "w10",
};

/** The QEMU guest agent's installer on virtio-win.iso (its guest-agent folder; virtio-win-pkg-scripts README). */
export const QEMU_GA_MSI = "guest-agent\\qemu-ga-x86_64.msi";

/** PowerShell that finds the drive holding virtio-win.iso by its guest-agent MSI (drive letters differ between builds). */
const FIND_VIRTIO = `$v = Get-PSDrive -PSProvider FileSystem | Where-Object { Test-Path (Join-Path $_.Root '${QEMU_GA_MSI}') } | Select-Object -First 1; if (-not $v) { exit 3 }`;

/**
 * Adds every VirtIO driver of this Windows version to the driver store and installs it on the devices it
 * matches: `pnputil /add-driver <inf> /install` (Microsoft Learn, "PnPUtil command syntax"). Drivers for devices
 * the build VM lacks (virtio NICs, balloon) are staged and bind when a clone has the device. Exit 3: no ISO.
 */
export function virtioDriversCommand(os: WindowsOs): string {
  const dir = `${VIRTIO_OS_DIR[os]}\\amd64`;
  return (
    `powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "${FIND_VIRTIO}; ` +
    `foreach ($d in Get-ChildItem -Path $v.Root -Directory) { $p = Join-Path $d.FullName '${dir}'; if (Test-Path $p) { pnputil.exe /add-driver (Join-Path $p '*.inf') /install } }; exit 0"`
  );
}

/** Installs the QEMU guest agent quietly and without a reboot: msiexec /i /qn /norestart (Microsoft Learn, "msiexec"); its exit code is the MSI's. */
export const GUEST_AGENT_COMMAND =
  `powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "${FIND_VIRTIO}; ` +
  `$m = Start-Process -FilePath msiexec.exe -ArgumentList '/i', (Join-Path $v.Root '${QEMU_GA_MSI}'), '/qn', '/norestart' -Wait -PassThru; exit $m.ExitCode"`;

/**
 * A throwaway password for one build VM: 144 random bits, plus one upper-case letter, lower-case letter, digit
 * and symbol, so it meets Windows' complexity rule ("Password must meet complexity requirements": three of
 * the four character classes) whatever the random part holds. Random per call: never stored in clear.
 */
export function throwawayBuildPassword(): string {
  return `${randomBytes(18).toString("base64url")}-Aa1`;
}
