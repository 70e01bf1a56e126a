// Issue 17, defect 1: the state keeps each libvirt resource's serialized provider, and Delete and
// Read run with that stored provider. A lab made from one checkout must still be destroyed from
// the same project moved elsewhere, the old folder gone.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { readState } from "../support/engine/engine";
import { copyProject, engineFor, stackUnder } from "../support/engine/lab-project";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";

jest.setTimeout(600_000);

const virsh = (uri: string, ...args: string[]) => execFileSync("virsh", ["-c", uri, ...args], { encoding: "utf8" });

describe("a lab made from one checkout, after the project moved", () => {
  let daemon: PrivateLibvirtd;
  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  test("stores no path of the checkout in the serialized providers, and destroys cleanly from the new folder", async () => {
    const input = stackUnder("nokvm", daemon.uri, daemon.dir);
    const first = copyProject(join(daemon.dir, "checkout-first"));
    const state = join(daemon.dir, "state", "nokvm.json");
    const up = await engineFor(first, "nokvm", input, state).up();
    expect(up.error).toBeUndefined();
    expect(virsh(daemon.uri, "list", "--all", "--name").split("\n").filter(Boolean).sort()).toEqual(["CLIENT01", "DC01"]);

    const providers = readState(state)
      .resources.filter((r) => r.type.startsWith("pulumi-nodejs:"))
      .map((r) => String(r.outputs.__provider));
    expect(providers).toHaveLength(6);
    for (const p of providers) expect(p).not.toContain(first);
    expect(readFileSync(state, "utf8")).not.toContain(join(first, "libvirt"));

    const moved = join(daemon.dir, "checkout-moved");
    renameSync(first, moved);
    expect(existsSync(first)).toBe(false);
    const destroy = await engineFor(moved, "nokvm", input, state).destroy();
    expect(destroy.error).toBeUndefined();
    expect(destroy.steps.filter((s) => s.error)).toEqual([]);
    expect(virsh(daemon.uri, "list", "--all", "--name").trim()).toBe("");
    expect(virsh(daemon.uri, "net-list", "--all", "--name").trim()).toBe("");
    expect(virsh(daemon.uri, "pool-list", "--all", "--name").trim()).toBe("");
  });

  test("a provider host started outside a project says where it looked and what to do", async () => {
    const input = stackUnder("nokvm", daemon.uri, daemon.dir);
    const project = copyProject(join(daemon.dir, "checkout-third"));
    const state = join(daemon.dir, "state", "third.json");
    expect((await engineFor(project, "nokvm", input, state).up()).error).toBeUndefined();
    // The plugin still starts (node_modules is there) but the project's code is not, compiled or not.
    renameSync(join(project, "libvirt"), join(project, "libvirt-elsewhere"));
    renameSync(join(project, "dist"), join(project, "dist-elsewhere"));
    const destroy = await engineFor(project, "nokvm", input, state).destroy();
    expect(destroy.error).toContain(
      `the homelab libvirt provider code was not found under ${project} (looked for libvirt/providers/ops and ts-node there): run pulumi from the project folder, the one with Pulumi.yaml and node_modules`,
    );
    renameSync(join(project, "libvirt-elsewhere"), join(project, "libvirt"));
    renameSync(join(project, "dist-elsewhere"), join(project, "dist"));
    expect((await engineFor(project, "nokvm", input, state).destroy()).error).toBeUndefined();
  });
});
