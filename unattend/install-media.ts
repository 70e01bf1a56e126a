// The Windows installer ISO rebuilt once per source SHA-256 without the UEFI "Press any key to
// boot from CD or DVD" prompt: that prompt lives in the media's EFI boot image (efisys.bin), and
// Microsoft ships the same image without it as efisys_noprompt.bin. The *_EX.bin images are signed
// by the 2023 Microsoft CA, which the OVMF variable stores in Debian 12 do not trust: not used.
// Microsoft's ISOs keep their files in UDF behind an ISO 9660 stub, so 7-Zip (which reads UDF)
// extracts them; xorriso writes the result: ISO level 3 (install.wim over 4 GiB as a multi-extent
// file), Joliet long names, the source's volume id, the BIOS image (etfsboot.com) kept.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isoVolumeId } from "../media/iso";
import { checkInstallImage, parseWimInfo, WimImage, WindowsOs } from "./images";
import { noPromptIsoPath } from "./paths";
import { runTool, sevenZip } from "./tools";

export const BIOS_BOOT_IMAGE = "boot/etfsboot.com";
export const UEFI_NOPROMPT_IMAGE = "efi/microsoft/boot/efisys_noprompt.bin";

export class InstallMediaError extends Error {
  override name = "InstallMediaError";
}

/** xorriso's mkisofs arguments for the rebuilt installer: BIOS entry first, then the UEFI one. */
export function rebuildArgs(tree: string, iso: string, volumeId: string): string[] {
  return [
    "-as",
    "mkisofs",
    "-iso-level",
    "3",
    "-J",
    "-joliet-long",
    "-V",
    volumeId,
    // etfsboot.com: no emulation, 8 sectors loaded, as Microsoft's oscdimg writes it.
    "-b",
    BIOS_BOOT_IMAGE,
    "-no-emul-boot",
    "-boot-load-size",
    "8",
    "-eltorito-alt-boot",
    "-e",
    UEFI_NOPROMPT_IMAGE,
    "-no-emul-boot",
    "-o",
    iso,
    tree,
  ];
}

/** A path below `root` matched case-insensitively (7-Zip keeps the names as the media store them). */
function findBelow(root: string, relative: string): string | undefined {
  let dir = root;
  for (const part of relative.split("/")) {
    const hit = existsSync(dir) ? readdirSync(dir).find((n) => n.toLowerCase() === part.toLowerCase()) : undefined;
    if (!hit) return undefined;
    dir = join(dir, hit);
  }
  return dir;
}

export interface RebuiltMedia {
  iso: string;
  volumeId: string;
  image: WimImage;
  sourceSha256: string;
}

/** Extracts `sourceIso`, checks its boot images and install image, writes the no-prompt ISO to `outIso`. */
export function rebuildInstallMedia(sourceIso: string, outIso: string, os: WindowsOs, configPath: string, sourceSha256 = ""): RebuiltMedia {
  mkdirSync(join(outIso, ".."), { recursive: true });
  const staging = mkdtempSync(join(outIso, "..", ".rebuild-"));
  try {
    const tree = join(staging, "tree");
    runTool(sevenZip(), ["x", "-y", `-o${tree}`, sourceIso]);
    // 7-Zip also lists the El Torito images as [BOOT]/ and the catalog as a file: not part of the media's tree.
    for (const extra of ["[BOOT]", "boot.catalog"]) rmSync(join(tree, extra), { recursive: true, force: true });
    const bios = findBelow(tree, BIOS_BOOT_IMAGE);
    const uefi = findBelow(tree, UEFI_NOPROMPT_IMAGE);
    if (!bios || !uefi) {
      throw new InstallMediaError(
        `${configPath}: ${sourceIso} has no ${!uefi ? UEFI_NOPROMPT_IMAGE : BIOS_BOOT_IMAGE}: it is not Windows installation media (use the ISO from Microsoft's Evaluation Center), or set homelab:install to manual`,
      );
    }
    // Setup reads the answer file from the root of any removable medium and only one may exist across them (implicit answer file search order).
    const own = ["autounattend.xml", "unattend.xml"].map((n) => findBelow(tree, n)).find((f) => f !== undefined);
    if (own) {
      throw new InstallMediaError(
        `${configPath}: ${sourceIso} carries its own ${own.slice(tree.length + 1)} at the root, which would compete with the lab's answer file: use the unmodified evaluation ISO, or set homelab:install to manual`,
      );
    }
    const wim = findBelow(tree, "sources/install.wim") ?? findBelow(tree, "sources/install.esd");
    if (!wim) throw new InstallMediaError(`${configPath}: ${sourceIso} has no sources/install.wim or install.esd: it is not Windows installation media`);
    const image = checkInstallImage(os, parseWimInfo(runTool("wimlib-imagex", ["info", wim])), sourceIso, configPath);
    const volumeId = isoVolumeId(sourceIso);
    const partial = join(staging, "out.iso");
    runTool(
      "xorriso",
      rebuildArgs(tree, partial, volumeId).map((a) =>
        a === BIOS_BOOT_IMAGE ? relativeTo(tree, bios) : a === UEFI_NOPROMPT_IMAGE ? relativeTo(tree, uefi) : a,
      ),
    );
    renameSync(partial, outIso);
    return { iso: outIso, volumeId, image, sourceSha256 };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const relativeTo = (root: string, path: string): string => path.slice(root.length + 1);

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

interface Stamp {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/**
 * The no-prompt ISO for `sourceIso`, rebuilt only when the source's SHA-256 differs from the one
 * recorded beside the result (size and mtime unchanged: the recorded hash is trusted, so a re-run
 * does not read 5 GB again).
 */
export async function ensureNoPromptMedia(
  sourceIso: string,
  os: WindowsOs,
  configPath: string,
  log: (line: string) => void = () => undefined,
): Promise<{ iso: string; sha256: string; rebuilt: boolean }> {
  if (!existsSync(sourceIso))
    throw new InstallMediaError(`${configPath}: ${sourceIso} does not exist: download the evaluation ISO to that path, or change the path`);
  const out = noPromptIsoPath(sourceIso);
  const stampFile = `${out}.sha256.json`;
  const st = statSync(sourceIso);
  const stamp: Stamp | undefined = existsSync(stampFile) && existsSync(out) ? JSON.parse(readFileSync(stampFile, "utf8")) : undefined;
  if (stamp && stamp.size === st.size && stamp.mtimeMs === st.mtimeMs) return { iso: out, sha256: stamp.sha256, rebuilt: false };
  const sha256 = await sha256File(sourceIso);
  if (stamp && stamp.sha256 === sha256) {
    writeFileSync(stampFile, JSON.stringify({ sha256, size: st.size, mtimeMs: st.mtimeMs }));
    return { iso: out, sha256, rebuilt: false };
  }
  log(`rebuilding ${sourceIso} without the "press any key" prompt into ${out} (once per ISO; a few minutes)`);
  rebuildInstallMedia(sourceIso, out, os, configPath, sha256);
  writeFileSync(stampFile, JSON.stringify({ sha256, size: st.size, mtimeMs: st.mtimeMs }));
  return { iso: out, sha256, rebuilt: true };
}
