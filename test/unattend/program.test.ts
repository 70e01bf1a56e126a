// The lab with the unattended install, under Pulumi's mocks: per Windows VM, InstallMedia before the
// domain, InstallWait after it, and the VM's phases after the wait; `install: manual` keeps the
// manual flow. The providers themselves run for real in boot.test.ts (mocks do not run them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { requireLabSpec, readStackConfig } from "../../lab";
import { buildPhaseGraph } from "../../phases/graph";
import { runProgram, stageHostFiles } from "../components/harness";
import { PROJECT_DIR, REPO_MANIFEST } from "../support/stacks";

jest.setTimeout(180_000);

const MEDIA = "pulumi-nodejs:dynamic/homelab:InstallMedia";
const WAIT = "pulumi-nodejs:dynamic/homelab:InstallWait";
const PASSWORDS = {
  adminPassword: "Adm1n-Secret-Value",
  dsrmPassword: "Dsrm-Secret-Value",
  sqlServicePassword: "Sql-Secret-Value",
  networkAccessPassword: "Naa-Secret-Value",
  clientPushPassword: "Push-Secret-Value",
};
const nameOf = (urn: string) => urn.split("::").pop()!;

describe("dev, unattended (the default), guest phases on", () => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  const input = readStackConfig(PROJECT_DIR, "dev");
  stageHostFiles(input);
  const spec = requireLabSpec(input).spec;
  beforeAll(async () => {
    run = await runProgram(
      "dev",
      (c) => {
        c.guestPhases = true;
      },
      PASSWORDS,
    );
  });

  test("registers without error", () => expect(run.error).toBeUndefined());

  test("disk -> InstallMedia -> domain -> InstallWait -> the VM's first phase", () => {
    const graph = buildPhaseGraph({ ...spec, guest: { ...spec.guest, phases: true } }, REPO_MANIFEST);
    for (const vm of ["DC01", "SCCM01", "CLIENT01", "CLIENT02"]) {
      const reg = (suffix: string) => run.registrations.find((r) => r.name === `dev-${vm}-${suffix}`)!;
      expect(reg("install-media").dependencies.map(nameOf)).toEqual([`dev-${vm}-disk`]);
      expect(reg("domain").dependencies.map(nameOf)).toContain(`dev-${vm}-install-media`);
      expect(reg("install-wait").dependencies.map(nameOf)).toEqual([`dev-${vm}-domain`]);
      const first = graph.phases.find((p) => p.vm === vm)!;
      expect(first.after).toEqual([]);
      expect(run.registrations.find((r) => r.name === `dev-phases-${first.id}`)!.dependencies.map(nameOf)).toEqual([
        "dev-phases-logon-guard",
        `dev-${vm}-install-wait`,
      ]);
    }
  });

  test("InstallMedia gets the reviewed answer file (placeholders), the paths, and the password only as a secret", () => {
    const media = run.registrations.find((r) => r.name === "dev-DC01-install-media")!;
    expect(media.type).toBe(MEDIA);
    expect(media.inputs.readableXml).toBe(readFileSync(join(__dirname, "golden", "dev", "DC01.xml"), "utf8"));
    expect(media.inputs).toMatchObject({
      uri: "qemu:///system",
      name: "DC01",
      hostname: "DC01",
      os: "windows-server-2022",
      configPath: "homelab:vms[0].iso",
      sourceIso: spec.vms[0].isos.install,
      pool: "homelab",
      volume: "DC01.qcow2",
      answerIso: `${spec.pool.path}-answers/DC01-autounattend.iso`,
      serialLog: "/var/log/libvirt/qemu/DC01-serial.log",
    });
    // The provider finds scripts/ from its host's folder: no path of this checkout in the inputs,
    // so the same project at another path previews no change.
    expect(Object.keys(media.inputs).sort()).toEqual([
      "__provider",
      "adminPassword",
      "answerIso",
      "configPath",
      "hostname",
      "name",
      "os",
      "pool",
      "readableXml",
      "serialLog",
      "sourceIso",
      "uri",
      "volume",
    ]);
    expect(JSON.stringify({ ...media.inputs, __provider: undefined })).not.toContain(PROJECT_DIR);
    expect(run.isSecret(media.inputs.adminPassword)).toBe(true);
    // Pulumi serialized the provider as a small loader of unattend/provider/ops from the provider
    // host's folder, not the modules themselves, and no path of this checkout.
    expect(String(media.inputs.__provider)).toContain('"unattend/provider/ops"');
    expect(String(media.inputs.__provider)).toContain("process.cwd()");
    expect(String(media.inputs.__provider)).not.toContain(PROJECT_DIR);
    expect(String(media.inputs.__provider).length).toBeLessThan(20_000);
    expect(JSON.stringify(media.inputs.readableXml)).not.toContain(PASSWORDS.adminPassword);
  });

  test("InstallWait waits 40 minutes (4 Windows VMs on KVM) and is replaced with its domain", () => {
    const wait = run.registrations.find((r) => r.name === "dev-CLIENT02-install-wait")!;
    expect(wait.type).toBe(WAIT);
    expect(wait.inputs).toMatchObject({
      name: "CLIENT02",
      hostname: "CLIENT02",
      timeoutMs: 40 * 60_000,
      domainUuid: spec.vms[3].uuid,
      serialLog: "/var/log/libvirt/qemu/CLIENT02-serial.log",
    });
  });
});

test("install: manual keeps today's flow: no install resources, phases after the domain", async () => {
  const run = await runProgram(
    "dev",
    (c) => {
      c.guestPhases = true;
      c.install = "manual";
    },
    PASSWORDS,
  );
  expect(run.error).toBeUndefined();
  expect([...run.byType(MEDIA), ...run.byType(WAIT)]).toEqual([]);
  expect(run.registrations.find((r) => r.name === "dev-phases-dc01-winrm")!.dependencies.map(nameOf)).toEqual(["dev-phases-logon-guard", "dev-DC01-domain"]);
});

test("a Linux lab has no install resources", async () => {
  const run = await runProgram("linux");
  expect(run.error).toBeUndefined();
  expect([...run.byType(MEDIA), ...run.byType(WAIT)]).toEqual([]);
});
