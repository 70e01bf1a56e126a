// What the guest's serial log says about the install: the bootstrap's completion or failure
// marker, or which stage OVMF's boot lines show. Pure: the wait resource feeds it the file.

/** Written by scripts/bootstrap/Start-LabBootstrap.ps1 as "<marker> <COMPUTERNAME>[ <reason>]". */
export const INSTALL_DONE = "HOMELAB-INSTALL-DONE";
export const INSTALL_FAILED = "HOMELAB-INSTALL-FAILED";

export type InstallState =
  { kind: "done"; line: string } | { kind: "failed"; line: string; reason: string } | { kind: "waiting"; stage: string; boots: number };

const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.replace(/\r/g, "").trim())
    .filter((l) => l !== "");

/** The last `n` non-empty lines, for an error message. */
export const lastLines = (text: string, n: number): string[] => lines(text).slice(-n);

/**
 * The install state of `hostname` (Windows writes COMPUTERNAME in upper case) in a serial log.
 * OVMF reports each boot option it tries as "BdsDxe: loading Boot#### ..." / "starting Boot#### ...".
 */
export function readInstallState(text: string, hostname: string): InstallState {
  const all = lines(text);
  const name = hostname.toUpperCase();
  for (const line of all) {
    const done = line.indexOf(`${INSTALL_DONE} `);
    if (
      done >= 0 &&
      line
        .slice(done + INSTALL_DONE.length + 1)
        .trim()
        .toUpperCase() === name
    )
      return { kind: "done", line: line.slice(done) };
    const failed = line.indexOf(`${INSTALL_FAILED} `);
    if (failed >= 0) {
      const [who, ...reason] = line.slice(failed + INSTALL_FAILED.length + 1).split(" ");
      if (who.toUpperCase() === name) return { kind: "failed", line: line.slice(failed), reason: reason.join(" ") };
    }
  }
  const starts = all.filter((l) => /BdsDxe: starting Boot[0-9A-F]{4}/.test(l));
  const tried = all.some((l) => /BdsDxe: loading Boot[0-9A-F]{4}/.test(l));
  const last = starts.at(-1);
  let stage: string;
  if (last === undefined) stage = tried ? "firmware: trying boot options" : "firmware: no boot line on the serial port yet";
  else if (/DVD|CDROM|CD-ROM/i.test(last)) stage = "Windows Setup running from the installer DVD";
  else if (/HARDDISK|Windows Boot Manager/i.test(last)) stage = "Windows booting from its disk (setup passes, then first logon)";
  else stage = "firmware: trying boot options";
  return { kind: "waiting", stage, boots: starts.length };
}
