// Base images in the Pulumi program, under Pulumi's mocks (the providers run for real in build.test.ts
// and clones.test.ts): base image -> clone volumes -> domains -> install waits -> phases, one base
// image per Windows edition shared by its VMs.
import { XMLParser } from "fast-xml-parser";
import { buildPhaseGraph } from "../../phases/graph";
import { requireLabSpec, readStackConfig } from "../../lab";
import { runProgram, stageHostFiles } from "../components/harness";
import { PROJECT_DIR, REPO_MANIFEST } from "../support/stacks";

jest.setTimeout(180_000);

const BASE = "pulumi-nodejs:dynamic/homelab:BaseImage";
const PASSWORDS = {
  adminPassword: "Adm1n-Secret-Value",
  dsrmPassword: "Dsrm-Secret-Value",
  sqlServicePassword: "Sql-Secret-Value",
  networkAccessPassword: "Naa-Secret-Value",
  clientPushPassword: "Push-Secret-Value",
};
const nameOf = (urn: string) => urn.split("::").pop()!;

describe("dev with homelab:disks linked, guest phases on", () => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  const input = readStackConfig(PROJECT_DIR, "dev");
  stageHostFiles(input);
  const spec = requireLabSpec(input).spec;
  beforeAll(async () => {
    run = await runProgram(
      "dev",
      (c) => {
        c.guestPhases = true;
        c.disks = "linked";
      },
      PASSWORDS,
    );
  });

  test("registers without error", () => expect(run.error).toBeUndefined());

  test("one base image per Windows edition: DC01 and SCCM01 share the Server 2022 one", () => {
    expect(
      run
        .byType(BASE)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["dev-base-windows-11", "dev-base-windows-server-2022"]);
    const disks = (base: string) =>
      run.registrations
        .filter((r) => r.name.endsWith("-disk") && r.dependencies.map(nameOf).includes(base))
        .map((r) => r.name)
        .sort();
    expect(disks("dev-base-windows-server-2022")).toEqual(["dev-DC01-disk", "dev-SCCM01-disk"]);
    expect(disks("dev-base-windows-11")).toEqual(["dev-CLIENT01-disk", "dev-CLIENT02-disk"]);
  });

  test("the base image is named by edition and hash, built by its own build VM from its own media", () => {
    const base = run.registrations.find((r) => r.name === "dev-base-windows-server-2022")!;
    expect(base.inputs.name).toMatch(/^base-windows-server-2022-[0-9a-f]{12}\.qcow2$/);
    expect(base.inputs.buildDomain).toBe("homelab-build-windows-server-2022");
    expect(base.inputs.hostname).toBe("BASE-WS2022");
    expect(base.inputs.deleteOnDestroy).toBe(false);
    expect(base.dependencies.map(nameOf)).toEqual(["dev-base-windows-server-2022-media"]);
    const media = run.registrations.find((r) => r.name === "dev-base-windows-server-2022-media")!;
    expect(media.dependencies.map(nameOf)).toEqual(["dev-storage-pool"]);
    expect(media.inputs.readableXml).toContain("<CommandLine>%WINDIR%\\System32\\Sysprep\\sysprep.exe /generalize /oobe /shutdown /quiet</CommandLine>");
    expect(media.inputs.volume).toBe(base.inputs.name);
    expect(run.isSecret(media.inputs.adminPassword)).toBe(true);
    // The build VM's XML boots the base volume, with no NIC and its own UUID.
    const domain = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(String(base.inputs.buildDomainXml)).domain;
    expect(domain.name).toBe("homelab-build-windows-server-2022");
    expect(domain.uuid).not.toBe(spec.vms.find((v) => v.name === "DC01")!.uuid);
    expect(domain.devices.interface).toBeUndefined();
    expect(String(base.inputs.buildDomainXml)).toContain(`<source pool="homelab" volume="${base.inputs.name}"/>`);
    // Nothing of the lab: no lab media ISO (only the installer and, when present, VirtIO drivers).
    expect(String(base.inputs.buildDomainXml)).not.toContain("homelab-media.iso");
  });

  test("each Windows VM's disk is a linked CloneDisk of its edition's base image", () => {
    for (const [vm, os] of [
      ["DC01", "windows-server-2022"],
      ["CLIENT01", "windows-11"],
      ["CLIENT02", "windows-11"],
    ]) {
      const disk = run.registrations.find((r) => r.name === `dev-${vm}-disk`)!;
      const base = run.registrations.find((r) => r.name === `dev-base-${os}`)!;
      expect(disk.type).toBe("pulumi-nodejs:dynamic/homelab:CloneDisk");
      expect(disk.inputs.name).toBe(`${vm}.qcow2`);
      expect(disk.inputs.mode).toBe("linked");
      expect(disk.inputs.base).toBe(base.inputs.name);
      expect(disk.inputs.replaceOnBaseChange).toBe(false);
      expect(disk.inputs.serialLog).toBe(`/var/log/libvirt/qemu/${vm}-serial.log`);
    }
  });

  test("clone volume -> InstallMedia -> domain -> InstallWait -> the VM's first phase", () => {
    const graph = buildPhaseGraph({ ...spec, guest: { ...spec.guest, phases: true } }, REPO_MANIFEST);
    for (const vm of ["DC01", "SCCM01", "CLIENT01", "CLIENT02"]) {
      const reg = (suffix: string) => run.registrations.find((r) => r.name === `dev-${vm}-${suffix}`)!;
      expect(reg("install-media").dependencies.map(nameOf)).toEqual([`dev-${vm}-disk`]);
      expect(reg("domain").dependencies.map(nameOf)).toContain(`dev-${vm}-install-media`);
      // The disk too: a replaced clone replaces its install wait (replaceWith, replace-clones.test.ts).
      expect(reg("install-wait").dependencies.map(nameOf)).toEqual([`dev-${vm}-domain`, `dev-${vm}-disk`]);
      const first = graph.phases.find((p) => p.vm === vm)!;
      // The first phase waits for the install wait (and the phases' logon guard), never for the bare domain.
      const deps = run.registrations.find((r) => r.name === `dev-phases-${first.id}`)!.dependencies.map(nameOf);
      expect(deps).toContain(`dev-${vm}-install-wait`);
      expect(deps).not.toContain(`dev-${vm}-domain`);
    }
  });
});

test("without homelab:disks there is no base image and disks have no backing store", async () => {
  const run = await runProgram("dev", undefined, PASSWORDS);
  expect(run.error).toBeUndefined();
  expect(run.byType(BASE)).toEqual([]);
  expect(String(run.registrations.find((r) => r.name === "dev-DC01-disk")!.inputs.xml)).not.toContain("backingStore");
});
