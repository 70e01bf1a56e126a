// Base image names: edition plus a hash of the install ISO, the base answer file and the generator.
import { baseImageHash, baseImageName, vmsByEdition, BASE_IMAGE_GENERATOR_VERSION } from "../../base-images/identity";
import { buildHostname, buildVmName, renderBaseAnswerFile, buildVmSpec, SYSPREP_COMMAND } from "../../base-images/answer-file";
import { XMLParser } from "fast-xml-parser";
import { stackSpec } from "../support/stacks";

const inputs = { os: "windows-server-2022" as const, installIsoSha256: "a".repeat(64), baseAnswerXml: "<unattend/>" };

test("the name is the edition and 12 hex digits, stable for the same inputs", () => {
  expect(baseImageName(inputs)).toMatch(/^base-windows-server-2022-[0-9a-f]{12}\.qcow2$/);
  expect(baseImageName(inputs)).toBe(baseImageName({ ...inputs }));
  expect(BASE_IMAGE_GENERATOR_VERSION).toBe(2);
  expect(baseImageHash(inputs)).toBe(baseImageHash({ ...inputs, generatorVersion: 2 }));
});

test("a new ISO, a changed answer file, another edition or a new generator each give a new name", () => {
  const names = new Set([
    baseImageName(inputs),
    baseImageName({ ...inputs, installIsoSha256: "b".repeat(64) }),
    baseImageName({ ...inputs, baseAnswerXml: "<unattend> </unattend>" }),
    baseImageName({ ...inputs, os: "windows-11" }),
    baseImageName({ ...inputs, generatorVersion: 3 }),
  ]);
  expect(names.size).toBe(5);
});

test("the dev lab has two editions, each shared by two VMs", () => {
  const groups = vmsByEdition(stackSpec("dev"));
  expect([...groups].map(([os, vms]) => [os, vms.map((v) => v.name)])).toEqual([
    ["windows-server-2022", ["DC01", "SCCM01"]],
    ["windows-11", ["CLIENT01", "CLIENT02"]],
  ]);
});

test("the base answer file runs the bootstrap (marker) first, then sysprep /generalize /oobe /shutdown", () => {
  const spec = stackSpec("dev");
  const vm = buildVmSpec(spec.vms[0], "base.qcow2", "/nvram");
  expect([vm.name, vm.hostname, vm.nics, vm.nvramPath]).toEqual([
    "homelab-build-windows-server-2022",
    "BASE-WS2022",
    [],
    "/nvram/homelab-build-windows-server-2022_VARS.fd",
  ]);
  expect(buildVmName("windows-11")).toBe("homelab-build-windows-11");
  expect(buildHostname("windows-11")).toBe("BASE-W11");
  const xml = renderBaseAnswerFile(spec, vm, "placeholder");
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => ["settings", "component", "SynchronousCommand"].includes(n) }).parse(xml);
  const oobe = doc.unattend.settings.find((s: Record<string, string>) => s["@_pass"] === "oobeSystem");
  const shell = oobe.component.find((c: Record<string, string>) => c["@_name"] === "Microsoft-Windows-Shell-Setup");
  const commands = shell.FirstLogonCommands.SynchronousCommand as Array<Record<string, unknown>>;
  // Between them, the VirtIO drivers and the guest agent from the dev stack's virtio-win.iso (virtio.test.ts).
  expect(commands.map((c) => c.Order)).toEqual([1, 2, 3, 4]);
  expect(String(commands[0].CommandLine)).toContain("Start-LabBootstrap.ps1");
  expect(commands[3].CommandLine).toBe("%WINDIR%\\System32\\Sysprep\\sysprep.exe /generalize /oobe /shutdown /quiet");
  expect(SYSPREP_COMMAND).toBe(commands[3].CommandLine);
  // No lab address in the base: the build VM has no NIC, so no TCPIP interface settings.
  expect(xml).not.toContain("192.168.56.");
  expect(xml).toContain("<ComputerName>BASE-WS2022</ComputerName>");
});
