// Which image of install.wim each OS installs, and how a WIM's image list is checked before use.
// Image indexes of Microsoft's evaluation media (published image lists of the evaluation ISOs):
// Server 2022/2025 evaluation: 1 Standard, 2 Standard (Desktop Experience), 3 Datacenter,
// 4 Datacenter (Desktop Experience); Windows 10/11 Enterprise evaluation: one image, index 1.
import type { OsName } from "../lab";

export type WindowsOs = Exclude<OsName, "linux">;

export interface InstallImage {
  /** The /IMAGE/INDEX value the answer file selects (Microsoft-Windows-Setup | ImageInstall | OSImage | InstallFrom | MetaData). */
  index: number;
  /** What the image at that index must be called, as words its name contains. */
  nameWords: string[];
  /** The name Microsoft's evaluation media give it, for the error message. */
  expectedName: string;
}

export const INSTALL_IMAGES: Record<WindowsOs, InstallImage> = {
  "windows-server-2022": {
    index: 2,
    nameWords: ["Server 2022", "Standard", "Desktop Experience"],
    expectedName: "Windows Server 2022 Standard Evaluation (Desktop Experience)",
  },
  "windows-server-2025": {
    index: 2,
    nameWords: ["Server 2025", "Standard", "Desktop Experience"],
    expectedName: "Windows Server 2025 Standard Evaluation (Desktop Experience)",
  },
  "windows-11": { index: 1, nameWords: ["Windows 11", "Enterprise"], expectedName: "Windows 11 Enterprise Evaluation" },
  "windows-10": { index: 1, nameWords: ["Windows 10", "Enterprise"], expectedName: "Windows 10 Enterprise Evaluation" },
};

export class ImageMismatchError extends Error {
  override name = "ImageMismatchError";
}

/** One image as `wimlib-imagex info` lists it. */
export interface WimImage {
  index: number;
  name: string;
}

/** Parses the per-image blocks of `wimlib-imagex info WIM` ("Index:" then "Name:" lines). */
export function parseWimInfo(text: string): WimImage[] {
  const images: WimImage[] = [];
  let index: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const i = /^Index:\s*(\d+)\s*$/.exec(line);
    if (i) {
      index = Number(i[1]);
      continue;
    }
    const n = /^Name:\s*(.*?)\s*$/.exec(line);
    if (n && index !== undefined) {
      images.push({ index, name: n[1] });
      index = undefined;
    }
  }
  return images;
}

/** The image the answer file will select, or an error naming the ISO, the index and what is there. */
export function checkInstallImage(os: WindowsOs, images: WimImage[], source: string, configPath: string): WimImage {
  const want = INSTALL_IMAGES[os];
  const listing = images.map((im) => `${im.index}: ${im.name}`).join("; ") || "no images";
  const found = images.find((im) => im.index === want.index);
  const fits = (im: WimImage) => want.nameWords.every((w) => im.name.toLowerCase().includes(w.toLowerCase()));
  if (!found || !fits(found)) {
    const elsewhere = images.find(fits);
    throw new ImageMismatchError(
      `${configPath}: ${source} does not hold "${want.expectedName}" at image index ${want.index} (it holds ${listing}); ` +
        (elsewhere
          ? `this looks like other media than the ${os} evaluation ISO (a fitting image is at index ${elsewhere.index}): use the evaluation ISO from Microsoft's Evaluation Center`
          : `point it at the ${os} evaluation ISO from Microsoft's Evaluation Center`),
    );
  }
  return found;
}
