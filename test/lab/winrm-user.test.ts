// A per-VM WinRM logon user (issue 11 item 5): vms[].winrmUser overrides homelab:winrmUser for that
// VM's phases, its checkpoint shutdown and its answer file's lab admin; a name Windows cannot take
// as a local account is refused at the key the user wrote when the install is unattended.
import { loadLabSpec, requireLabSpec } from "../../lab";
import type { StackConfig } from "../../lab";
import { phaseCommand } from "../../components/phase-command";
import { buildPhaseGraph } from "../../phases/graph";
import { renderAnswerFile } from "../../unattend/answer-file";
import { clone, PROJECT_DIR, REPO_MANIFEST, stackConfig } from "../support/stacks";

function devWith(change: (config: Record<string, any>) => void): StackConfig {
  const input = clone(stackConfig("dev"));
  change(input.config);
  return input;
}

const errorsOf = (input: StackConfig) => {
  const result = loadLabSpec(input);
  return result.ok ? [] : result.errors;
};

describe("vms[].winrmUser", () => {
  const input = devWith((c) => {
    c.vms[2].winrmUser = "homelab";
  });
  const spec = requireLabSpec(input).spec;

  test("sets that VM's logon user; the others keep homelab:winrmUser", () => {
    expect(spec.vms.map((vm) => [vm.name, vm.winrmUser])).toEqual([
      ["DC01", "Administrator"],
      ["SCCM01", "Administrator"],
      ["CLIENT01", "homelab"],
      ["CLIENT02", "Administrator"],
    ]);
  });

  test("every phase on that VM logs on as it, and only those", () => {
    const graph = buildPhaseGraph(spec, REPO_MANIFEST);
    const users = new Map<string, Set<string>>();
    for (const p of graph.phases) users.set(p.vm, new Set([...(users.get(p.vm) ?? []), p.user]));
    expect(Object.fromEntries([...users].map(([vm, set]) => [vm, [...set]]))).toEqual({
      DC01: ["Administrator"],
      SCCM01: ["Administrator"],
      CLIENT01: ["homelab"],
      CLIENT02: ["Administrator"],
    });
  });

  test("the phase Command passes it as --user", () => {
    const graph = buildPhaseGraph(spec, REPO_MANIFEST);
    const join = graph.phases.find((p) => p.id === "client01-join")!;
    const command = phaseCommand(join, spec.guest, { projectDir: PROJECT_DIR, vmUuid: spec.vms[2].uuid, stack: "dev" });
    expect(command.create).toContain(" --user homelab ");
    const dcPhase = graph.phases.find((p) => p.id === "dc01-ad-forest")!;
    expect(phaseCommand(dcPhase, spec.guest, { projectDir: PROJECT_DIR, vmUuid: spec.vms[0].uuid, stack: "dev" }).create).toContain(" --user Administrator ");
  });

  test("the answer file makes it the VM's named local admin", () => {
    const xml = renderAnswerFile(spec, spec.vms[2], "placeholder");
    expect(xml).toContain("<Name>homelab</Name>");
    expect(renderAnswerFile(spec, spec.vms[3], "placeholder")).toContain("<Name>labadmin</Name>");
  });
});

describe("a logon user the unattended install cannot create", () => {
  test.each([
    ["a domain prefix", "CORP\\admin"],
    ["21 characters", "a".repeat(21)],
    ["a trailing space", "labadmin "],
    ["an @", "admin@corp"],
    ["NONE", "none"],
  ])("per VM, %s, is refused at vms[i].winrmUser", (_what, user) => {
    expect(
      errorsOf(
        devWith((c) => {
          c.vms[2].winrmUser = user;
        }),
      ),
    ).toEqual([
      {
        path: "homelab:vms[2].winrmUser",
        message: `${JSON.stringify(user)} cannot be a local account, which the unattended install creates for the phases to log on with: use at most 20 characters, none of "/\\[]:|<>+=;,?*%@, no spaces at the ends and no DOMAIN\\ prefix, e.g. labadmin`,
      },
    ]);
  });

  test("for the whole stack, it is reported once at homelab:winrmUser", () => {
    const errors = errorsOf(
      devWith((c) => {
        c.winrmUser = "CORP\\admin";
      }),
    );
    expect(errors.map((e) => e.path)).toEqual(["homelab:winrmUser"]);
  });

  test("with install manual (no answer file), a domain account is allowed", () => {
    const result = loadLabSpec(
      devWith((c) => {
        c.install = "manual";
        c.vms[2].winrmUser = "CORP\\admin";
      }),
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.spec.vms[2].winrmUser).toBe("CORP\\admin");
  });

  test("a multi-line name is refused by its shape", () => {
    expect(
      errorsOf(
        devWith((c) => {
          c.vms[1].winrmUser = "admin\n";
        }),
      ),
    ).toEqual([{ path: "homelab:vms[1].winrmUser", message: expect.stringContaining("must be a user name on one line, like Administrator") }]);
  });
});
