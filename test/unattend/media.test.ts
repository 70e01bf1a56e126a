// The answer ISO and the rebuilt installer ISO, read back with tools independent of the code that
// wrote them: 7-Zip lists the Joliet names, xorriso -report_el_torito the boot entries,
// xorriso -pvd_info the volume id, wimlib-imagex made the fake install.wim.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ANSWER_VOLUME_ID, buildAnswerIso, deleteAnswerIso } from "../../unattend/answer-media";
import { ImageMismatchError, parseWimInfo } from "../../unattend/images";
import { ensureNoPromptMedia, rebuildInstallMedia } from "../../unattend/install-media";
import { noPromptIsoPath } from "../../unattend/paths";
import { PROJECT_DIR } from "../support/stacks";
import { fakeInstallerIso, fakeWim } from "./fake-media";

jest.setTimeout(120_000);
const tmp = mkdtempSync(join(tmpdir(), "homelab-unattend-media-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (tool: string, args: string[]) => execFileSync(tool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
/** 7-Zip's file list of an ISO: it reads the Joliet names when the ISO has them. */
const listIso = (iso: string): string[] =>
  run("7z", ["l", "-slt", iso])
    .split("\n")
    .filter((l) => l.startsWith("Path = "))
    .map((l) => l.slice(7))
    .filter((p) => p !== iso);

const SERVER_EVAL = [
  "Windows Server 2022 Standard Evaluation",
  "Windows Server 2022 Standard Evaluation (Desktop Experience)",
  "Windows Server 2022 Datacenter Evaluation",
  "Windows Server 2022 Datacenter Evaluation (Desktop Experience)",
];

describe("the answer ISO", () => {
  const dir = join(tmp, "answers");
  const iso = join(dir, "DC01-autounattend.iso");
  beforeAll(() => buildAnswerIso({ answerXml: "<unattend>test</unattend>\n", scriptsDir: join(PROJECT_DIR, "scripts"), isoPath: iso }));

  test("holds autounattend.xml at the root by its Joliet name, and the bootstrap with what it calls", () => {
    expect(listIso(iso).sort()).toEqual([
      "autounattend.xml",
      "homelab",
      "homelab/bootstrap",
      "homelab/bootstrap/Start-LabBootstrap.ps1",
      "homelab/common",
      "homelab/common/Enable-LabWinRM.ps1",
      "homelab/modules",
      "homelab/modules/Logger.psm1",
      "homelab/modules/Validator.psm1",
    ]);
    const out = join(tmp, "answer-extract");
    run("7z", ["x", "-y", `-o${out}`, iso]);
    expect(readFileSync(join(out, "autounattend.xml"), "utf8")).toBe("<unattend>test</unattend>\n");
    expect(readFileSync(join(out, "homelab", "bootstrap", "Start-LabBootstrap.ps1"), "utf8")).toBe(
      readFileSync(join(PROJECT_DIR, "scripts", "bootstrap", "Start-LabBootstrap.ps1"), "utf8"),
    );
  });

  test("the Joliet directory stores the name as UTF-16BE, the form Windows reads", () => {
    // Joliet (ECMA-119 supplementary volume descriptor, UCS-2 big-endian names): without it Windows
    // sees only the ISO 9660 name, upper case with a ";1" version.
    const bytes = readFileSync(iso);
    expect(bytes.includes(Buffer.from("autounattend.xml", "utf16le").swap16())).toBe(true);
    expect(bytes.includes(Buffer.from("AUTOUNATTEND.XML;1", "latin1"))).toBe(true);
  });

  test("has the answer volume id, mode 0600 in a 0711 folder, and no staging left behind", () => {
    expect(run("xorriso", ["-indev", iso, "-pvd_info"])).toMatch(new RegExp(`^Volume Id\\s*:\\s*${ANSWER_VOLUME_ID}\\s*$`, "m"));
    expect(statSync(iso).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o711);
    expect(readdirSync(dir)).toEqual(["DC01-autounattend.iso"]);
  });

  test("is deleted with its folder once the install is done", () => {
    deleteAnswerIso(iso);
    expect(existsSync(iso)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("the installer ISO rebuilt without the boot prompt", () => {
  const dir = join(tmp, "install");
  let source: string;
  beforeAll(() => {
    source = fakeInstallerIso(join(dir), { imageNames: SERVER_EVAL, volumeId: "SSS_X64FREE_EN-US_DV9" });
  });

  test("keeps the BIOS entry, boots UEFI from efisys_noprompt.bin and keeps the volume id", () => {
    const out = join(tmp, "rebuilt.iso");
    const result = rebuildInstallMedia(source, out, "windows-server-2022", "homelab:vms[0].iso");
    expect(result.image).toEqual({ index: 2, name: "Windows Server 2022 Standard Evaluation (Desktop Experience)" });
    const report = run("xorriso", ["-indev", out, "-report_el_torito", "plain"]);
    expect(report).toMatch(/^El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+8\s+\d+$/m);
    expect(report).toMatch(/^El Torito boot img :\s+2\s+UEFI\s+y\s+none\s/m);
    expect(report).toMatch(/^El Torito img path :\s+1\s+\/boot\/etfsboot\.com$/m);
    expect(report).toMatch(/^El Torito img path :\s+2\s+\/efi\/microsoft\/boot\/efisys_noprompt\.bin$/m);
    expect(run("xorriso", ["-indev", out, "-pvd_info"])).toMatch(/^Volume Id\s*:\s*SSS_X64FREE_EN-US_DV9\s*$/m);
    // The source's tree, without 7-Zip's [BOOT] listing of the boot images.
    expect(
      listIso(out)
        .filter((p) => !p.startsWith("[BOOT]"))
        .sort(),
    ).toEqual([
      "boot",
      "boot.catalog",
      "boot/etfsboot.com",
      "efi",
      "efi/microsoft",
      "efi/microsoft/boot",
      "efi/microsoft/boot/efisys.bin",
      "efi/microsoft/boot/efisys_noprompt.bin",
      "setup.exe",
      "sources",
      "sources/install.wim",
    ]);
  });

  test("a Windows 11 ISO given for a Server VM is refused naming the config path and what the WIM holds", () => {
    const client = fakeInstallerIso(join(dir, "client"), { imageNames: ["Windows 11 Enterprise Evaluation"], volumeId: "CCCOMA_X64FRE_EN-US_DV9" });
    expect(() => rebuildInstallMedia(client, join(tmp, "wrong.iso"), "windows-server-2022", "homelab:vms[1].iso")).toThrow(
      new ImageMismatchError(
        `homelab:vms[1].iso: ${client} does not hold "Windows Server 2022 Standard Evaluation (Desktop Experience)" at image index 2 (it holds 1: Windows 11 Enterprise Evaluation); point it at the windows-server-2022 evaluation ISO from Microsoft's Evaluation Center`,
      ),
    );
    expect(existsSync(join(tmp, "wrong.iso"))).toBe(false);
  });

  test("an ISO without efisys_noprompt.bin is refused", () => {
    const other = join(dir, "other.iso");
    run("xorriso", ["-as", "mkisofs", "-J", "-V", "OTHER", "-o", other, join(PROJECT_DIR, "docs")]);
    expect(() => rebuildInstallMedia(other, join(tmp, "other-out.iso"), "windows-11", "homelab:vms[2].iso")).toThrow(
      `homelab:vms[2].iso: ${other} has no efi/microsoft/boot/efisys_noprompt.bin: it is not Windows installation media`,
    );
  });

  test("an ISO that already carries an answer file is refused: only one may exist across the attached media", () => {
    const tree = join(dir, "own-answer");
    execFileSync("cp", ["-r", join(dir, "tree"), tree]);
    require("node:fs").writeFileSync(join(tree, "Autounattend.xml"), "<unattend/>");
    const own = join(dir, "own-answer.iso");
    run("xorriso", ["-as", "mkisofs", "-iso-level", "3", "-J", "-joliet-long", "-V", "SSS_X64FREE_EN-US_DV9", "-o", own, tree]);
    expect(() => rebuildInstallMedia(own, join(tmp, "own-out.iso"), "windows-server-2022", "homelab:vms[0].iso")).toThrow(
      `homelab:vms[0].iso: ${own} carries its own Autounattend.xml at the root, which would compete with the lab's answer file: use the unmodified evaluation ISO, or set homelab:install to manual`,
    );
  });

  test("is rebuilt once per source hash: a second call reuses it, a changed source rebuilds", async () => {
    const copy = join(dir, "cached", "server.iso");
    execFileSync("mkdir", ["-p", join(dir, "cached")]);
    execFileSync("cp", [source, copy]);
    const first = await ensureNoPromptMedia(copy, "windows-server-2022", "homelab:vms[0].iso");
    expect(first).toEqual({ iso: noPromptIsoPath(copy), sha256: run("sha256sum", [copy]).split(" ")[0], rebuilt: true });
    const again = await ensureNoPromptMedia(copy, "windows-server-2022", "homelab:vms[0].iso");
    expect(again.rebuilt).toBe(false);
    execFileSync("cp", [fakeInstallerIso(join(dir, "v2"), { imageNames: SERVER_EVAL, volumeId: "SSS_X64FREE_EN-US_DV10" }), copy]);
    const changed = await ensureNoPromptMedia(copy, "windows-server-2022", "homelab:vms[0].iso");
    expect(changed.rebuilt).toBe(true);
    expect(run("xorriso", ["-indev", changed.iso, "-pvd_info"])).toMatch(/^Volume Id\s*:\s*SSS_X64FREE_EN-US_DV10\s*$/m);
  });
});

describe("image selection against a WIM made by wimlib-imagex", () => {
  test("parses the image list as wimlib-imagex prints it", () => {
    const wim = join(tmp, "images.wim");
    fakeWim(wim, SERVER_EVAL);
    expect(parseWimInfo(run("wimlib-imagex", ["info", wim]))).toEqual(SERVER_EVAL.map((name, i) => ({ index: i + 1, name })));
  });
});
