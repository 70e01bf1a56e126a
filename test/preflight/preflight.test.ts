import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireLabSpec } from "../../lab";
import type { LabSpec } from "../../lab";
import { FIRMWARE_DESCRIPTOR_DIRS, formatPreflight, HostView, isRemoteUri, preflight, realHost } from "../../preflight";
import { clone, stackConfig } from "../support/stacks";
import { stageMediaFolder } from "../support/media-folder";

// A real folder stands in for the host: the dev lab's ISOs, pool parent and swtpm live under it.
const root = mkdtempSync(join(tmpdir(), "homelab-preflight-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function devSpecUnder(dir: string, uri?: string): LabSpec {
  const input = clone(stackConfig("dev"));
  const c = input.config as Record<string, any>;
  for (const vm of c.vms) {
    vm.iso = join(dir, "iso", vm.os === "windows-11" ? "windows-11.iso" : "windows-server-2022.iso");
    vm.virtioIso = join(dir, "iso", "virtio-win.iso");
  }
  c.media = { dir: join(dir, "media"), iso: join(dir, "iso", "homelab-media.iso") };
  c.pool.path = join(dir, "images", "homelab");
  c.nvramDir = join(dir, "nvram");
  if (uri) c.uri = uri;
  return requireLabSpec(input).spec;
}

function hostWith(dir: string, overrides: Partial<HostView> = {}): HostView {
  // A host with usable KVM and no other networks: these tests are about files; KVM and network
  // collisions have their own tests (host.test.ts), so the machine running them does not matter.
  return { ...realHost, path: join(dir, "bin"), kvm: () => ({ usable: true }), network: () => ({ addresses: [], routes: [] }), ...overrides };
}

function populate(dir: string, skip: string[] = []): void {
  mkdirSync(join(dir, "iso"), { recursive: true });
  mkdirSync(join(dir, "images"), { recursive: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  if (!skip.includes("nvram")) mkdirSync(join(dir, "nvram"), { recursive: true });
  for (const f of ["windows-11.iso", "windows-server-2022.iso", "virtio-win.iso"]) {
    if (!skip.includes(f)) writeFileSync(join(dir, "iso", f), "");
  }
  // The media ISO itself is not there: pulumi up builds it from this folder (media/resource.ts).
  if (!skip.includes("media")) stageMediaFolder(join(dir, "media"));
  if (!skip.includes("swtpm")) {
    writeFileSync(join(dir, "bin", "swtpm"), "#!/bin/sh\n");
    chmodSync(join(dir, "bin", "swtpm"), 0o755);
  }
}

const noFirmware: Partial<HostView> = { list: (d) => (FIRMWARE_DESCRIPTOR_DIRS.includes(d) ? [] : realHost.list(d)) };

describe("preflight", () => {
  it("passes when every file is there (with the firmware descriptors of the ovmf package)", () => {
    const dir = join(root, "complete");
    populate(dir);
    expect(preflight(devSpecUnder(dir), hostWith(dir))).toEqual({ problems: [] });
  });

  it.each([
    ["windows-server-2022.iso", "the install ISO of DC01", "evalcenter/download-windows-server-2022"],
    ["windows-11.iso", "the install ISO of CLIENT01", "evalcenter/download-windows-11-enterprise"],
    ["virtio-win.iso", "the VirtIO driver ISO of DC01", "virtio-win.iso (stable)"],
  ])("names a missing %s, where it was looked for and how to get it", (file, what, fix) => {
    const dir = join(root, `missing-${file}`);
    populate(dir, [file]);
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir));
    const problem = problems.find((p) => p.what === what);
    expect(problem).toEqual({ what, where: join(dir, "iso", file), fix: expect.stringContaining(fix) });
    expect(problem!.fix).toContain(`save it as ${join(dir, "iso", file)}`);
    expect(formatPreflight(problems)).toContain(`${what}: not found at ${join(dir, "iso", file)}`);
  });

  it("names each installer the media folder lacks with its download page, once for the VMs that attach the media ISO", () => {
    const dir = join(root, "media-lacks");
    populate(dir);
    rmSync(join(dir, "media", "sql2022"), { recursive: true });
    rmSync(join(dir, "media", "configmgr", "SMSSETUP", "BIN", "X64", "extadsch.exe"));
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir));
    expect(problems).toEqual([
      {
        what: "the installers in the media folder (homelab:media.dir), which the media ISO of DC01, SCCM01 is built from",
        where: join(dir, "media"),
        problem: expect.stringMatching(/^it lacks some of them:\n {4}MISSING {3}sql2022: SQL Server 2022 Evaluation, the extracted installation ISO\n/),
        fix: "put each one there as listed; pulumi up then checks their hashes and builds homelab:media.iso (`npm run media -- check --stack STACK` checks the folder alone)",
      },
    ]);
    const text = formatPreflight(problems);
    expect(text).toContain("          get it from https://www.microsoft.com/en-us/evalcenter/evaluate-sql-server-2022");
    expect(text).toContain(`          put it at ${join(dir, "media", "sql2022")}`);
    expect(text).toContain("    INCOMPLETE configmgr: lacks SMSSETUP/BIN/X64/extadsch.exe");
    expect(text).toContain("    present   adk (its hash is checked when the ISO is built)");
    expect(text).toContain(`    media folder ${join(dir, "media")} does NOT match the manifest`);
  });

  it("names a media folder that does not exist, entry by entry", () => {
    const dir = join(root, "no-media");
    populate(dir, ["media"]);
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir));
    expect(problems.map((p) => p.where)).toEqual([join(dir, "media")]);
    expect(problems[0].problem).toContain(`put it at ${join(dir, "media", "odbc", "msodbcsql.msi")}`);
  });

  it("reports a missing ISO once per VM that uses it", () => {
    const dir = join(root, "missing-win11-count");
    populate(dir, ["windows-11.iso"]);
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir));
    expect(problems.map((p) => p.what)).toEqual(["the install ISO of CLIENT01", "the install ISO of CLIENT02"]);
  });

  it("names a missing pool parent folder", () => {
    const dir = join(root, "no-images");
    populate(dir);
    rmSync(join(dir, "images"), { recursive: true });
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir));
    expect(problems).toEqual([
      { what: "the parent folder of pool homelab", where: join(dir, "images"), fix: expect.stringContaining(`mkdir -p ${join(dir, "images")}`) },
    ]);
  });

  it("names a missing NVRAM folder, which libvirt does not create", () => {
    const dir = join(root, "no-nvram");
    populate(dir, ["nvram"]);
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir));
    expect(problems).toEqual([
      { what: "the UEFI variable store folder (homelab:nvramDir)", where: join(dir, "nvram"), fix: expect.stringContaining(`mkdir -p ${join(dir, "nvram")}`) },
    ]);
  });

  it("names missing Secure Boot firmware and how to install it per distribution", () => {
    const dir = join(root, "no-firmware");
    populate(dir);
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir, noFirmware));
    expect(problems).toEqual([
      {
        what: "UEFI firmware with Secure Boot and enrolled keys",
        where: expect.stringContaining("/usr/share/qemu/firmware"),
        fix: expect.stringContaining("apt install ovmf"),
      },
    ]);
  });

  it("names a missing swtpm", () => {
    const dir = join(root, "no-swtpm");
    populate(dir, ["swtpm"]);
    const { problems } = preflight(devSpecUnder(dir), hostWith(dir));
    expect(problems).toEqual([{ what: "swtpm, the TPM 2.0 emulator", where: "on PATH", fix: expect.stringContaining("apt install swtpm swtpm-tools") }]);
  });

  it("skips the file checks for a remote hypervisor, and says so", () => {
    const result = preflight(devSpecUnder(join(root, "nothing-here"), "qemu+ssh://lab@hv1.example.test/system"), hostWith(root));
    expect(result.problems).toEqual([]);
    expect(result.skipped).toContain("qemu+ssh://lab@hv1.example.test/system is a remote hypervisor");
  });

  it.each([
    ["qemu:///system", false],
    ["qemu:///system?socket=/tmp/x/libvirt-sock", false],
    ["qemu+ssh://user@host/system", true],
    ["qemu+tcp://10.0.0.5/system", true],
    ["qemu://localhost/system", false],
  ])("%s is remote: %s", (uri, remote) => expect(isRemoteUri(uri)).toBe(remote));
});
