// The answer ISO of one VM: autounattend.xml at the root (Joliet, or Setup sees AUTOUNAT.XML;1)
// and the bootstrap with what it calls under homelab\. Windows Setup searches the root of every
// removable read-only medium for Autounattend.xml in the windowsPE pass (implicit answer file
// search order, "Windows Setup Automation Overview"). The file carries the encoded passwords:
// it is built in a private 0700 staging folder inside the answer folder, lands as 0600, and is
// never read back into Pulumi state.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xorrisoArgs } from "../media/iso";
import { MEDIA_SCRIPTS_DIR } from "./answer-file";
import { runTool } from "./tools";

/** The answer medium's volume id; Setup ignores labels, a person looking at `lsblk` does not. */
export const ANSWER_VOLUME_ID = "HOMELAB_ANSWER";

/** Files from the repo's scripts/ the bootstrap needs, by path below scripts/ (kept in the same layout). */
export const BOOTSTRAP_FILES = ["bootstrap/Start-LabBootstrap.ps1", "common/Enable-LabWinRM.ps1", "modules/Logger.psm1", "modules/Validator.psm1"];

export interface AnswerIsoInput {
  /** The answer file with real (encoded) passwords. */
  answerXml: string;
  /** The repo's scripts/ folder. */
  scriptsDir: string;
  /** Where the ISO goes; its folder is created with mode 0711 (qemu must reach the file, nobody may list the folder). */
  isoPath: string;
}

export function buildAnswerIso({ answerXml, scriptsDir, isoPath }: AnswerIsoInput): void {
  const dir = join(isoPath, "..");
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  chmodSync(dir, 0o711);
  // mkdtemp creates 0700: the tree and the ISO are private while they are written.
  const staging = mkdtempSync(join(dir, ".staging-"));
  try {
    const tree = join(staging, "tree");
    mkdirSync(tree, { mode: 0o700 });
    writeFileSync(join(tree, "autounattend.xml"), answerXml, { mode: 0o600 });
    for (const file of BOOTSTRAP_FILES) {
      const target = join(tree, MEDIA_SCRIPTS_DIR, file);
      mkdirSync(join(target, ".."), { recursive: true, mode: 0o700 });
      copyFileSync(join(scriptsDir, file), target);
    }
    const partial = join(staging, "answer.iso");
    runTool("xorriso", xorrisoArgs(tree, partial, ANSWER_VOLUME_ID));
    chmodSync(partial, 0o600);
    renameSync(partial, isoPath);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Deletes a VM's answer ISO (after the install marker), and the folder once it is empty. */
export function deleteAnswerIso(isoPath: string): void {
  rmSync(isoPath, { force: true });
  const dir = join(isoPath, "..");
  try {
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  } catch {
    // already gone
  }
}
