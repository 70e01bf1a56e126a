// The base answer file: the unattended install's answer file for a build VM (no NICs, nothing of the
// lab), with one more first-logon command after the bootstrap's marker: generalize and power off.
import { randomBytes } from "node:crypto";
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

/** The build VM of one edition: the first lab VM of that edition, without NICs, named for the edition. Pure. */
export function buildVmSpec(template: VmSpec, volume: string, nvramDir: string): VmSpec {
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
    isos: { install: template.isos.install, virtio: template.isos.virtio },
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
 * No lab admin account either (UserAccounts | LocalAccounts removed): only the built-in Administrator, whose
 * AutoLogon runs the bootstrap and sysprep. Each clone's own answer file sets the Administrator's password again
 * (UserAccounts | AdministratorPassword, oobeSystem pass) and creates the lab admin (LocalAccounts), since a
 * generalized image runs oobeSystem again at its first boot (sysprep /oobe: "Sysprep Command-Line Options").
 * OOBE | HideLocalAccountScreen stays true with no local account: the reference asks for UserAccounts |
 * AdministratorPassword in that case, which the build password fills (our reading; not run on Windows here).
 */
export function renderBaseAnswerFile(spec: LabSpec, buildVm: VmSpec, passwords: AnswerPasswords): string {
  const xml = withoutBlock(renderAnswerFile({ ...spec, vms: [buildVm] }, buildVm, passwords), "<LocalAccounts>", "</LocalAccounts>");
  const command = [
    '      <SynchronousCommand wcm:action="add">',
    "        <Order>2</Order>",
    `        <CommandLine>${SYSPREP_COMMAND}</CommandLine>`,
    "        <Description>Homelab base image: generalize and power off</Description>",
    "        <RequiresUserInput>false</RequiresUserInput>",
    "      </SynchronousCommand>",
  ].join("\n");
  const end = "</FirstLogonCommands>";
  const at = xml.indexOf(end);
  if (at < 0 || xml.indexOf(end, at + 1) >= 0) throw new Error("the unattended answer file has no single FirstLogonCommands list to extend");
  const lineStart = xml.lastIndexOf("\n", at) + 1;
  const withSysprep = `${xml.slice(0, lineStart)}${command}\n${xml.slice(lineStart)}`;
  const declarationEnd = withSysprep.indexOf("?>") + 2;
  return `${withSysprep.slice(0, declarationEnd)}\n${BUILD_PASSWORD_COMMENT}${withSysprep.slice(declarationEnd)}`;
}

/**
 * A throwaway password for one build VM: 144 random bits, plus one upper-case letter, lower-case letter, digit
 * and symbol, so it meets Windows' complexity rule ("Password must meet complexity requirements": three of
 * the four character classes) whatever the random part holds. Random per call: never stored in clear.
 */
export function throwawayBuildPassword(): string {
  return `${randomBytes(18).toString("base64url")}-Aa1`;
}
