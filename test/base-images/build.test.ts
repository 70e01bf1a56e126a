// The base image build flow end to end under a private libvirtd with a TCG guest. The stand-in
// "installer" is OVMF's UEFI Shell running startup.nsh from the rebuilt install media (the approach of
// test/unattend/boot.test.ts): it writes the install marker on COM1, then powers off as sysprep
// /generalize /oobe /shutdown would. Secure Boot is off for this test only (the shell is unsigned).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { VmSpec } from "../../lab";
import { renderDomainXml } from "../../libvirt/render";
import { Virsh } from "../../libvirt/virsh";
import { ensureNoPromptMedia } from "../../unattend/install-media";
import { baseImageOps, BaseImageInputs } from "../../base-images/build";
import { createCloneDisk } from "../../base-images/clones";
import { baseImageName } from "../../base-images/identity";
import { PrivateLibvirtd, startPrivateLibvirtd } from "../support/private-libvirtd";
import { clone, stackSpec } from "../support/stacks";
import { fakeInstallerIso } from "../unattend/fake-media";

jest.setTimeout(900_000);
let daemon: PrivateLibvirtd;
beforeAll(async () => {
  daemon = await startPrivateLibvirtd({ maxLifetimeSeconds: 1500 });
});
afterAll(async () => {
  await daemon?.stop();
});

const MiB = 2 ** 20;
const SERVER_EVAL = ["Windows Server 2022 Standard Evaluation", "Windows Server 2022 Standard Evaluation (Desktop Experience)"];
const BUILD = "homelab-build-windows-server-2022";
const HOSTNAME = "BUILD2022";

test("a base image is built once by its build VM, left read-only, and adopted (not rebuilt) on the next run", async () => {
  const root = join(daemon.dir, "build");
  for (const d of ["iso", "nvram", "pool", "src"]) mkdirSync(join(root, d), { recursive: true });
  chmodSync(root, 0o755);
  const virsh = new Virsh({ uri: daemon.uri });
  const spec = clone(stackSpec("nokvm"));
  spec.pool = { ...spec.pool, path: join(root, "pool") };
  spec.libvirt.nvramDir = join(root, "nvram");
  await virsh.run(["pool-define-as", spec.pool.name, "dir", "--target", spec.pool.path], { kind: "pool", name: spec.pool.name, operation: "define" });
  await virsh.startPool(spec.pool.name);

  const sourceIso = join(root, "iso", "windows-server-2022.iso");
  copyFileSync(
    fakeInstallerIso(join(root, "src"), {
      imageNames: SERVER_EVAL,
      volumeId: "SSS_X64FREE_EN-US_DV9",
      loader: Buffer.from("not an EFI application"),
      startupNsh: `echo HOMELAB-INSTALL-DONE ${HOSTNAME}\r\nreset -s\r\n`,
    }),
    sourceIso,
  );
  const media = await ensureNoPromptMedia(sourceIso, "windows-server-2022", "homelab:vms[0].iso");
  const name = baseImageName({ os: "windows-server-2022", installIsoSha256: media.sha256, baseAnswerXml: "<unattend/>" });
  expect(name).toMatch(/^base-windows-server-2022-[0-9a-f]{12}\.qcow2$/);

  // The build VM: the nokvm DC01's hardware, its disk the base image, no NICs (nothing lab-specific).
  const template = spec.vms.find((v) => v.name === "DC01")!;
  const buildVm: VmSpec = {
    ...template,
    name: BUILD,
    hostname: HOSTNAME,
    volume: name,
    nics: [],
    memoryBytes: 512 * MiB,
    nvramPath: join(root, "nvram", `${BUILD}_VARS.fd`),
    firmware: { uefi: true, secureBoot: false },
    isos: { install: sourceIso },
  };
  spec.vms = [buildVm];
  const serialLog = join(daemon.dir, "log", "qemu", `${BUILD}-serial.log`);
  const inputs: BaseImageInputs = {
    uri: daemon.uri,
    pool: spec.pool.name,
    name,
    capacityBytes: 256 * MiB,
    installIsoBytes: statSync(sourceIso).size,
    buildDomain: BUILD,
    buildDomainXml: renderDomainXml(buildVm, spec),
    hostname: HOSTNAME,
    serialLog,
    timeoutMs: 600_000,
    pollMs: 1000,
    deleteOnDestroy: true,
  };
  expect((await baseImageOps.check({}, inputs)).failures).toEqual([]);

  const messages: string[] = [];
  const log = { info: (m: string) => messages.push(m) };
  const first = await baseImageOps.create(inputs, log);
  expect(first.outs.origin).toBe("built");
  expect(first.outs.path).toBe(join(spec.pool.path, name));
  expect(statSync(first.outs.path).mode & 0o777).toBe(0o444);
  expect(messages).toContain(`${name}: build VM ${BUILD} started`);
  expect(messages.some((m) => m.startsWith(`${BUILD}: installed (HOMELAB-INSTALL-DONE ${HOSTNAME})`))).toBe(true);
  // The build VM is gone; the image holds a qcow2 of the requested size.
  expect(await virsh.listDomains()).not.toContain(BUILD);
  expect(JSON.parse(execFileSync("qemu-img", ["info", "--output=json", "-U", first.outs.path], { encoding: "utf8" }))["virtual-size"]).toBe(256 * MiB);

  // Unchanged inputs: no change in preview; a new ISO hash (a new name) is a replacement.
  expect(await baseImageOps.diff(first.id, first.outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  const newIso = baseImageName({ os: "windows-server-2022", installIsoSha256: "0".repeat(64), baseAnswerXml: "<unattend/>" });
  expect(await baseImageOps.diff(first.id, first.outs, { ...inputs, name: newIso })).toEqual({ changes: true, replaces: ["name"], deleteBeforeReplace: false });

  // A second run (state lost, or a second stack on the same host) adopts it: the build VM never starts.
  const log2: string[] = [];
  const second = await baseImageOps.create(inputs, { info: (m) => log2.push(m) });
  expect(second.outs.origin).toBe(`adopted: ${first.outs.path} exists and is read-only (a finished base image)`);
  expect(log2.some((m) => m.includes("started"))).toBe(false);
  expect(await virsh.listDomains()).not.toContain(BUILD);

  // With a clone reading from it, removal is refused and names the clone; without, it goes.
  await createCloneDisk(
    virsh,
    { name: "DC01.qcow2", pool: spec.pool.name, vm: "DC01", capacityBytes: 256 * MiB, format: "qcow2", deleteOnDestroy: true },
    { pool: spec.pool.name, name, path: first.outs.path, capacityBytes: 256 * MiB },
    "linked",
  );
  await expect(baseImageOps.remove(first.id, second.outs, log)).rejects.toThrow(`is the backing store of 1 volume(s): ${spec.pool.name}/DC01.qcow2`);
  await baseImageOps.remove(first.id, { ...second.outs, deleteOnDestroy: false }, log);
  expect(await virsh.volumeInfo(spec.pool.name, name)).toBeDefined();
  await virsh.deleteVolume(spec.pool.name, "DC01.qcow2");
  await baseImageOps.remove(first.id, second.outs, log);
  expect(await virsh.volumeInfo(spec.pool.name, name)).toBeUndefined();
});
