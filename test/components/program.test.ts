import { requireLabSpec, readStackConfig } from "../../lab";
import { renderDomainXml, renderNetworkXml, renderPoolXml, renderVolumeXml } from "../../libvirt/render";
import { buildPhaseGraph } from "../../phases/graph";
import { PROJECT_DIR, STACKS, REPO_MANIFEST } from "../support/stacks";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEV_EDGES } from "../support/phase-edges";
import { HOST_ROOT, Registration, runProgram, stageHostFiles } from "./harness";

jest.setTimeout(120_000);

const T = {
  lab: "homelab:lab:Lab",
  network: "homelab:network:LabNetwork",
  storage: "homelab:storage:LabStorage",
  windows: "homelab:vm:WindowsVm",
  linux: "homelab:vm:LinuxVm",
  phases: "homelab:phases:GuestPhases",
  libvirtNetwork: "pulumi-nodejs:dynamic/homelab:LibvirtNetwork",
  libvirtPool: "pulumi-nodejs:dynamic/homelab:LibvirtPool",
  libvirtVolume: "pulumi-nodejs:dynamic/homelab:LibvirtVolume",
  libvirtDomain: "pulumi-nodejs:dynamic/homelab:LibvirtDomain",
  command: "command:local:Command",
  installMedia: "pulumi-nodejs:dynamic/homelab:InstallMedia",
  installWait: "pulumi-nodejs:dynamic/homelab:InstallWait",
  mediaIso: "pulumi-nodejs:dynamic/homelab:MediaIso",
};

/** Windows VMs install unattended by default (issue 12): media before the domain, the wait after it. */
const unattended = (spec: ReturnType<typeof specOf>, vm: ReturnType<typeof specOf>["vms"][number]) =>
  spec.guest.install === "unattended" && vm.template === "windows" && vm.isos.install !== undefined;

/** The spec the program saw: the stack's config with the host files staged, as the harness does. */
function specOf(stack: string) {
  const input = readStackConfig(PROJECT_DIR, stack);
  stageHostFiles(input);
  return requireLabSpec(input).spec;
}

const nameOf = (urn: string) => urn.split("::").pop()!;
const parentName = (r: Registration) => (r.parent ? nameOf(r.parent) : "");

describe.each(STACKS)("the program for stack %s", (stack) => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  const spec = specOf(stack);
  beforeAll(async () => {
    // The resource structure without the phases: they are on by default, so turned off here (their own tests follow).
    run = await runProgram(stack, (c) => {
      c.guestPhases = false;
    });
  });

  it("registers without error", () => expect(run.error).toBeUndefined());

  it("builds one Lab with a network, the storage and a VM component per spec object, each parented and named from its parent", () => {
    const summary = run.registrations.map((r) => `${r.type} ${r.name} <- ${parentName(r)}`).sort();
    const expected = [
      `${T.lab} ${stack} <- `,
      ...spec.networks.flatMap((n) => [`${T.network} ${stack}-${n.name} <- ${stack}`, `${T.libvirtNetwork} ${stack}-${n.name}-net <- ${stack}-${n.name}`]),
      `${T.storage} ${stack}-storage <- ${stack}`,
      `${T.libvirtPool} ${stack}-storage-pool <- ${stack}-storage`,
      // The media ISO, built by up from homelab:media.dir (issue 12), in the stacks that name one.
      ...(spec.media ? [`${T.mediaIso} ${stack}-media-iso <- ${stack}`] : []),
      ...spec.vms.flatMap((vm) => [
        `${vm.template === "windows" ? T.windows : T.linux} ${stack}-${vm.name} <- ${stack}`,
        `${T.libvirtVolume} ${stack}-${vm.name}-disk <- ${stack}-${vm.name}`,
        `${T.libvirtDomain} ${stack}-${vm.name}-domain <- ${stack}-${vm.name}`,
        ...(unattended(spec, vm)
          ? [
              `${T.installMedia} ${stack}-${vm.name}-install-media <- ${stack}-${vm.name}`,
              `${T.installWait} ${stack}-${vm.name}-install-wait <- ${stack}-${vm.name}`,
            ]
          : []),
      ]),
    ].sort();
    expect(summary).toEqual(expected);
  });

  it("orders networks and the pool before volumes, volumes before domains, and nothing else", () => {
    const pool = run.byType(T.libvirtPool)[0].urn;
    for (const vol of run.byType(T.libvirtVolume)) expect(vol.dependencies).toEqual([pool]);
    for (const vm of spec.vms) {
      const domain = run.registrations.find((r) => r.name === `${stack}-${vm.name}-domain`)!;
      const expected = [
        `${stack}-${vm.name}-disk`,
        ...[...new Set(vm.nics.map((n) => n.network))].map((n) => `${stack}-${n}-net`),
        ...(unattended(spec, vm) ? [`${stack}-${vm.name}-install-media`] : []),
        // The VMs that attach the media ISO (the DC, SQL and site server roles) wait for its build.
        ...(vm.isos.media ? [`${stack}-media-iso`] : []),
      ];
      expect(domain.dependencies.map(nameOf).sort()).toEqual(expected.sort());
    }
    for (const r of [...run.byType(T.libvirtNetwork), ...run.byType(T.libvirtPool), ...run.byType(T.mediaIso)]) expect(r.dependencies).toEqual([]);
  });

  it("gives each libvirt resource exactly the renderers' XML for the same spec", () => {
    const xml = (name: string) => run.registrations.find((r) => r.name === name)!.inputs.xml;
    for (const n of spec.networks) expect(xml(`${stack}-${n.name}-net`)).toBe(renderNetworkXml(n));
    expect(xml(`${stack}-storage-pool`)).toBe(renderPoolXml(spec.pool));
    for (const vm of spec.vms) {
      expect(xml(`${stack}-${vm.name}-disk`)).toBe(renderVolumeXml(spec.volumes.find((v) => v.vm === vm.name)!));
      expect(xml(`${stack}-${vm.name}-domain`)).toBe(renderDomainXml(vm, spec));
      expect(run.registrations.find((r) => r.name === `${stack}-${vm.name}-domain`)!.inputs).toMatchObject({
        uri: spec.libvirt.uri,
        name: vm.name,
        uuid: vm.uuid,
        start: vm.start,
      });
    }
  });

  it("exports per VM its name, UUID, MACs, address, role, URI and console hint, and a summary", () => {
    expect(run.outputs!.vms).toEqual(
      spec.vms.map((vm) => ({
        name: vm.name,
        uuid: vm.uuid,
        role: vm.role,
        os: vm.os,
        macs: vm.nics.map((n) => n.mac),
        ip: vm.managementIp,
        uri: spec.libvirt.uri,
        console: `virt-viewer -c ${spec.libvirt.uri} ${vm.name}`,
      })),
    );
    expect(run.outputs!.summary).toMatchObject({ stack, pool: `${spec.pool.name} at ${spec.pool.path}` });
  });

  it("runs no guest phase while guestPhases is off", () => expect(run.byType(T.command)).toEqual([]));
});

describe("guest phases", () => {
  const PASSWORDS = {
    adminPassword: "Adm1n-Secret-Value",
    dsrmPassword: "Dsrm-Secret-Value",
    sqlServicePassword: "Sql-Secret-Value",
    networkAccessPassword: "Naa-Secret-Value",
    clientPushPassword: "Push-Secret-Value",
  };
  let run: Awaited<ReturnType<typeof runProgram>>;
  const spec = specOf("dev");
  const graph = buildPhaseGraph({ ...spec, guest: { ...spec.guest, phases: true } }, REPO_MANIFEST);
  beforeAll(async () => {
    // The dev stack as it ships: the phases are on by default (issue 12), only the passwords are set.
    run = await runProgram("dev", undefined, PASSWORDS);
  });

  it("registers one local.Command per phase of the graph, under the Lab's GuestPhases", () => {
    expect(run.error).toBeUndefined();
    const commands = run.byType(T.command);
    expect(commands.map((c) => c.name).sort()).toEqual(graph.phases.map((p) => `dev-phases-${p.id}`).sort());
    for (const c of commands) expect(parentName(c)).toBe("dev-phases");
  });

  it("makes each phase depend on its VM's domain and on the phases the graph names", () => {
    for (const phase of graph.phases) {
      const cmd = run.registrations.find((r) => r.name === `dev-phases-${phase.id}`)!;
      const vmReady = unattended(
        spec,
        spec.vms.find((v) => v.name === phase.vm)!,
      )
        ? `dev-${phase.vm}-install-wait`
        : `dev-${phase.vm}-domain`;
      expect(cmd.dependencies.map(nameOf).sort()).toEqual([vmReady, "dev-phases-logon-guard", ...phase.after.map((id) => `dev-phases-${id}`)].sort());
    }
  });

  it("lets the two clients' phases run side by side", () => {
    const c1 = graph.phases.filter((p) => p.vm === "CLIENT01").map((p) => `dev-phases-${p.id}`);
    const c2 = graph.phases.filter((p) => p.vm === "CLIENT02").map((p) => `dev-phases-${p.id}`);
    for (const name of c2) {
      const cmd = run.registrations.find((r) => r.name === name)!;
      expect(cmd.dependencies.map(nameOf).filter((d) => c1.includes(d))).toEqual([]);
    }
  });

  it("passes passwords only as secrets, in the environment, never in the command line or triggers", () => {
    // The unattended install's media resource takes homelab:adminPassword as a secret input (issue 12).
    for (const m of run.byType(T.installMedia)) expect(run.isSecret(m.inputs.adminPassword)).toBe(true);
    const plain = JSON.stringify(
      run.registrations.map((r) => {
        const { environment, ...rest } = r.inputs;
        if (r.type === T.installMedia) delete rest.adminPassword;
        return rest;
      }),
    );
    for (const value of Object.values(PASSWORDS)) expect(plain).not.toContain(value);
    for (const c of run.byType(T.command)) {
      expect(run.isSecret(c.inputs.environment)).toBe(true);
      const env = (c.inputs.environment as { value: Record<string, string> }).value;
      expect(env.WINRM_PASSWORD).toBe(PASSWORDS.adminPassword);
      expect(String(c.inputs.create)).toMatch(
        / \(node bin\/homelab-phase\.js --phase \S+ --stack dev --project \. --vm \S+ (?:--checkpoint )?-- node bin\/homelab-winrm\.js run --host \S+ --port 5985 --transport ntlm --user Administrator --name \S+ --script \S+\.ps1 --params-env HOMELAB_PHASE_PARAMS --timeout \d+ --max-runs \d+/,
      );
    }
    const forest = run.registrations.find((r) => r.name.endsWith("-ad-forest"))!;
    expect((forest.inputs.environment as { value: Record<string, string> }).value.HOMELAB_DSRM_PASSWORD).toBe(PASSWORDS.dsrmPassword);
    expect(String(forest.inputs.create)).toContain("--secret-param DsrmPassword=HOMELAB_DSRM_PASSWORD");
  });

  it("re-runs a phase when its script, its parameters or its VM's UUID change", () => {
    for (const c of run.byType(T.command)) {
      const [hash, params, uuid] = c.inputs.triggers as string[];
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.parse(params)).toEqual(JSON.parse((c.inputs.environment as { value: Record<string, string> }).value.HOMELAB_PHASE_PARAMS));
      expect(spec.vms.map((v) => v.uuid)).toContain(uuid);
    }
  });

  it("stops with the fix when a secret the phases need is missing, before registering anything", async () => {
    const { dsrmPassword: _omit, ...rest } = PASSWORDS;
    const missing = await runProgram("dev", undefined, rest);
    expect(missing.registrations).toEqual([]);
    expect(missing.error?.message).toBe(
      "the lab config has 1 problem:\n" +
        "  homelab:dsrmPassword: is not set, and homelab:guestPhases is on: run `pulumi config set --secret homelab:dsrmPassword` (the Directory Services Restore Mode password of the forest), or turn the phases off",
    );
  });

  it("with no password set, names each `pulumi config set --secret` command at once", async () => {
    const none = await runProgram("dev");
    expect(none.registrations).toEqual([]);
    const lines = none.error!.message.split("\n");
    expect(lines[0]).toBe("the lab config has 5 problems:");
    expect(lines.slice(1).map((l) => /run `(pulumi config set --secret homelab:\w+)`/.exec(l)?.[1])).toEqual([
      "pulumi config set --secret homelab:adminPassword",
      "pulumi config set --secret homelab:dsrmPassword",
      "pulumi config set --secret homelab:sqlServicePassword",
      "pulumi config set --secret homelab:networkAccessPassword",
      "pulumi config set --secret homelab:clientPushPassword",
    ]);
  });
});

describe("a bad config", () => {
  it("registers no resource at all and reports every problem with its path", async () => {
    const run = await runProgram("dev", (c) => {
      const vms = c.vms as Array<Record<string, unknown>>;
      vms[1].memory = "8 Gigs";
      (c.sccm as Record<string, unknown>).siteCode = "TOOLONG";
    });
    expect(run.registrations).toEqual([]);
    expect(run.error?.message).toContain("homelab:vms[1].memory");
    expect(run.error?.message).toContain("homelab:sccm.siteCode");
  });

  it("a password in plain config registers nothing", async () => {
    const run = await runProgram("dev", (c) => {
      c.adminPassword = "Plain-Text-Password";
    });
    expect(run.registrations).toEqual([]);
    expect(run.error?.message).toContain("pulumi config set --secret homelab:adminPassword");
  });

  it("a missing ISO registers nothing and names the file", async () => {
    const run = await runProgram("minimal", (c) => {
      c.guestPhases = false; // the preflight's message, not the passwords'
      (c.vms as Array<Record<string, unknown>>)[0].iso = "/nonexistent/server.iso";
    });
    expect(run.registrations).toEqual([]);
    expect(run.error?.message).toContain("the install ISO of DC01: not found at /nonexistent/server.iso");
  });
});

describe("phase triggers", () => {
  it("change when the script or a module it imports changes, and only then", () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = require("node:fs") as typeof import("node:fs");
    const { join } = require("node:path") as typeof import("node:path");
    const { scriptHash } = require("../../components/phase-command") as typeof import("../../components/phase-command");
    const dir = mkdtempSync(join(require("node:os").tmpdir(), "homelab-hash-"));
    mkdirSync(join(dir, "modules"));
    mkdirSync(join(dir, "dc"));
    const script = join(dir, "dc", "Phase.ps1");
    writeFileSync(join(dir, "modules", "Logger.psm1"), "function Write-LabLog { }\n");
    writeFileSync(script, "Import-Module (Join-Path $PSScriptRoot '..\\modules\\Logger.psm1') -Force\nWrite-LabLog\n");
    const first = scriptHash(script);
    expect(scriptHash(script)).toBe(first);
    writeFileSync(join(dir, "modules", "Logger.psm1"), "function Write-LabLog { 'changed' }\n");
    const second = scriptHash(script);
    expect(second).not.toBe(first);
    writeFileSync(script, "Import-Module (Join-Path $PSScriptRoot '..\\modules\\Logger.psm1') -Force\nWrite-LabLog 'x'\n");
    expect(scriptHash(script)).not.toBe(second);
  });
});

// The dev stack's program, written out: what it registers, in which order, with which XML (the
// reviewed files of test/libvirt/golden/dev, with the host paths the harness stages) and which
// phase commands depend on which. Not computed by the renderers or the phase graph under test.
describe("the dev program, literally", () => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  beforeAll(async () => {
    // The resources up to installed VMs: the phases (on by default) are turned off here.
    run = await runProgram("dev", (c) => {
      c.guestPhases = false;
    });
  });
  const VMS = ["DC01", "SCCM01", "CLIENT01", "CLIENT02"];

  it("registers these 28 resources under these parents (unattended, the default: answer media and an install wait per VM; the media ISO)", () => {
    expect(run.registrations.map((r) => `${r.type} ${r.name} <- ${parentName(r)}`).sort()).toEqual(
      [
        `${T.lab} dev <- `,
        `${T.network} dev-lab-net <- dev`,
        `${T.libvirtNetwork} dev-lab-net-net <- dev-lab-net`,
        `${T.network} dev-default <- dev`,
        `${T.libvirtNetwork} dev-default-net <- dev-default`,
        `${T.storage} dev-storage <- dev`,
        `${T.libvirtPool} dev-storage-pool <- dev-storage`,
        `${T.mediaIso} dev-media-iso <- dev`,
        ...VMS.flatMap((vm) => [
          `${T.windows} dev-${vm} <- dev`,
          `${T.libvirtVolume} dev-${vm}-disk <- dev-${vm}`,
          `${T.libvirtDomain} dev-${vm}-domain <- dev-${vm}`,
          `${T.installMedia} dev-${vm}-install-media <- dev-${vm}`,
          `${T.installWait} dev-${vm}-install-wait <- dev-${vm}`,
        ]),
      ].sort(),
    );
  });

  it("each domain waits for its disk and both networks, and DC01 and SCCM01 for the media ISO they attach", () => {
    const deps = (vm: string) =>
      run.registrations
        .find((r) => r.name === `dev-${vm}-domain`)!
        .dependencies.map(nameOf)
        .sort();
    // Unattended (the default): the answer ISO is built before the domain that mounts it.
    expect(deps("DC01")).toEqual(["dev-DC01-disk", "dev-DC01-install-media", "dev-default-net", "dev-lab-net-net", "dev-media-iso"]);
    expect(deps("SCCM01")).toEqual(["dev-SCCM01-disk", "dev-SCCM01-install-media", "dev-default-net", "dev-lab-net-net", "dev-media-iso"]);
    expect(deps("CLIENT01")).toEqual(["dev-CLIENT01-disk", "dev-CLIENT01-install-media", "dev-default-net", "dev-lab-net-net"]);
    expect(deps("CLIENT02")).toEqual(["dev-CLIENT02-disk", "dev-CLIENT02-install-media", "dev-default-net", "dev-lab-net-net"]);
  });

  it("hands libvirt the reviewed XML of golden/dev", () => {
    const golden = (file: string) =>
      readFileSync(join(__dirname, "..", "libvirt", "golden", "dev", file), "utf8").replace(/(["'>])\/var\/lib\/libvirt\//g, `$1${HOST_ROOT}/var/lib/libvirt/`);
    const xml = (name: string) => run.registrations.find((r) => r.name === name)!.inputs.xml;
    expect(xml("dev-lab-net-net")).toBe(golden("network-lab-net.xml"));
    expect(xml("dev-default-net")).toBe(golden("network-default.xml"));
    expect(xml("dev-storage-pool")).toBe(golden("pool-homelab.xml"));
    for (const vm of VMS) {
      expect(xml(`dev-${vm}-disk`)).toBe(golden(`volume-${vm}.qcow2.xml`));
      expect(xml(`dev-${vm}-domain`)).toBe(golden(`domain-${vm}.xml`));
    }
    expect(run.registrations.find((r) => r.name === "dev-SCCM01-domain")!.inputs).toMatchObject({
      uri: "qemu:///system",
      name: "SCCM01",
      uuid: "e4b2fa3f-dbc6-53a0-8a73-17e4f5b09851",
      start: true,
    });
  });

  // A VM with a static address is reached there (its first static NIC); the clients at their libvirt reservation.
  it("exports the VMs' literal identities and addresses", () => {
    expect(run.outputs!.vms).toEqual(
      [
        {
          name: "DC01",
          uuid: "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01",
          role: "dc",
          os: "windows-server-2022",
          macs: ["52:54:00:69:1b:44", "52:54:00:e8:af:93"],
          ip: "192.168.56.10",
        },
        {
          name: "SCCM01",
          uuid: "e4b2fa3f-dbc6-53a0-8a73-17e4f5b09851",
          role: "site-server",
          os: "windows-server-2022",
          macs: ["52:54:00:e8:6b:4c", "52:54:00:e9:18:a9"],
          ip: "192.168.56.11",
        },
        {
          name: "CLIENT01",
          uuid: "ed496bea-3589-5e3a-9075-c7f155c60221",
          role: "client",
          os: "windows-11",
          macs: ["52:54:00:0d:5a:b7", "52:54:00:3a:5e:3d"],
          ip: "192.168.122.101",
        },
        {
          name: "CLIENT02",
          uuid: "f6c6bf75-5333-5259-9f6b-1e300bff3327",
          role: "client",
          os: "windows-11",
          macs: ["52:54:00:e5:4f:46", "52:54:00:24:ee:34"],
          ip: "192.168.122.102",
        },
      ].map((vm) => ({ ...vm, uri: "qemu:///system", console: `virt-viewer -c qemu:///system ${vm.name}` })),
    );
  });
});

describe("the dev guest phases, literally", () => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  beforeAll(async () => {
    run = await runProgram(
      "dev",
      (c) => {
        c.guestPhases = true;
      },
      {
        adminPassword: "a",
        dsrmPassword: "b",
        sqlServicePassword: "c",
        networkAccessPassword: "d",
        clientPushPassword: "e",
      },
    );
  });
  const VM_OF: Record<string, string> = { dc01: "DC01", sccm01: "SCCM01", client01: "CLIENT01", client02: "CLIENT02" };

  it("one command per phase of test/support/phase-edges.ts, each after its VM's domain and the phases listed there", () => {
    expect(run.error).toBeUndefined();
    expect(
      run
        .byType(T.command)
        .map((c) => c.name)
        .sort(),
    ).toEqual(DEV_EDGES.map(([id]) => `dev-phases-${id}`).sort());
    for (const [id, after] of DEV_EDGES) {
      const cmd = run.registrations.find((r) => r.name === `dev-phases-${id}`)!;
      // Each phase waits for its VM's install (the serial marker), the guard on the logon password, and its graph edges.
      expect([id, cmd.dependencies.map(nameOf).sort()]).toEqual([
        id,
        [`dev-${VM_OF[id.split("-")[0]]}-install-wait`, "dev-phases-logon-guard", ...after.map((a) => `dev-phases-${a}`)].sort(),
      ]);
    }
  });
});
