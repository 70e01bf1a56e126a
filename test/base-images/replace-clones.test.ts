// homelab:replaceClonesOnBaseChange and homelab:disks full in the Pulumi program, under Pulumi's mocks (the
// CloneDisk provider itself runs against a private libvirtd in clone-disk.test.ts): the switch reaches every
// clone, and a clone's replacement takes its answer media, domain and install wait with it, each deleted first.
import { runProgram } from "../components/harness";

jest.setTimeout(180_000);

const PASSWORDS = {
  adminPassword: "Adm1n-Secret-Value",
  dsrmPassword: "Dsrm-Secret-Value",
  sqlServicePassword: "Sql-Secret-Value",
  networkAccessPassword: "Naa-Secret-Value",
  clientPushPassword: "Push-Secret-Value",
};
const WINDOWS = ["DC01", "SCCM01", "CLIENT01", "CLIENT02"];
const CLONE = "pulumi-nodejs:dynamic/homelab:CloneDisk";

describe.each([
  ["linked", undefined, false],
  ["linked", true, true],
  ["full", false, false],
  ["full", true, true],
] as const)("homelab:disks %s, homelab:replaceClonesOnBaseChange %s", (disks, replace, expected) => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  beforeAll(async () => {
    run = await runProgram(
      "dev",
      (c) => {
        c.disks = disks;
        if (replace !== undefined) c.replaceClonesOnBaseChange = replace;
      },
      PASSWORDS,
    );
  });

  test("every Windows disk is a CloneDisk in that mode, carrying the switch", () => {
    expect(run.error).toBeUndefined();
    expect(
      run
        .byType(CLONE)
        .map((r) => [r.name, r.inputs.mode, r.inputs.replaceOnBaseChange, r.inputs.deleteOnDestroy])
        .sort(),
    ).toEqual(WINDOWS.map((vm) => [`dev-${vm}-disk`, disks, expected, false]).sort());
  });

  test("a replaced disk replaces the VM's answer media, domain and install wait, each deleted before it is made again", () => {
    for (const vm of WINDOWS) {
      const disk = run.registrations.find((r) => r.name === `dev-${vm}-disk`)!;
      for (const part of ["install-media", "domain", "install-wait"]) {
        const reg = run.registrations.find((r) => r.name === `dev-${vm}-${part}`)!;
        expect([part, reg.options]).toEqual([part, { deleteBeforeReplace: true, replaceWith: [disk.urn] }]);
      }
    }
  });
});

test("without homelab:disks, disks are plain volumes and nothing is replaced with them", async () => {
  const run = await runProgram("dev", undefined, PASSWORDS);
  expect(run.error).toBeUndefined();
  expect(run.byType(CLONE)).toEqual([]);
  for (const vm of WINDOWS) {
    expect(run.registrations.find((r) => r.name === `dev-${vm}-disk`)!.type).toBe("pulumi-nodejs:dynamic/homelab:LibvirtVolume");
    expect(run.registrations.find((r) => r.name === `dev-${vm}-domain`)!.options).toEqual({ deleteBeforeReplace: false, replaceWith: [] });
  }
});
