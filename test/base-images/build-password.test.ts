// No lab secret in a base image: the build VM's answer file carries a throwaway build password and no lab
// admin account; each clone's own answer file sets the lab's Administrator password and lab admin.
import { XMLParser } from "fast-xml-parser";
import { buildVmSpec, renderBaseAnswerFile, throwawayBuildPassword, BUILD_PASSWORD_COMMENT } from "../../base-images/answer-file";
import { renderAnswerFile } from "../../unattend/answer-file";
import { fillAnswerPasswords } from "../../unattend/fill";
import { runProgram } from "../components/harness";
import { stackSpec } from "../support/stacks";

jest.setTimeout(180_000);

const LAB_SECRETS = {
  adminPassword: "Adm1n-Secret-Value",
  dsrmPassword: "Dsrm-Secret-Value",
  sqlServicePassword: "Sql-Secret-Value",
  networkAccessPassword: "Naa-Secret-Value",
  clientPushPassword: "Push-Secret-Value",
};
const BUILD = "Bu1ld-Throwaway-Aa1";
// base64 of UTF-16LE "Bu1ld-Throwaway-Aa1AdministratorPassword" and "...Password" (Microsoft's encoding, worked out by hand with Python).
const BUILD_ADMIN = "QgB1ADEAbABkAC0AVABoAHIAbwB3AGEAdwBhAHkALQBBAGEAMQBBAGQAbQBpAG4AaQBzAHQAcgBhAHQAbwByAFAAYQBzAHMAdwBvAHIAZAA=";
const BUILD_AUTOLOGON = "QgB1ADEAbABkAC0AVABoAHIAbwB3AGEAdwBhAHkALQBBAGEAMQBQAGEAcwBzAHcAbwByAGQA";
/** Every spelling of a lab secret that could land in a file: plain, and encoded for either setting. */
const spellings = (secret: string) => [
  secret,
  Buffer.from(`${secret}AdministratorPassword`, "utf16le").toString("base64"),
  Buffer.from(`${secret}Password`, "utf16le").toString("base64"),
  Buffer.from(secret, "utf16le").toString("base64"),
  Buffer.from(secret).toString("base64"),
];

const spec = stackSpec("dev");
const buildVm = buildVmSpec(spec.vms[0], "base.qcow2", "/nvram");
const parse = (xml: string) =>
  new XMLParser({ ignoreAttributes: false, isArray: (n) => ["settings", "component"].includes(n) })
    .parse(xml)
    .unattend.settings.find((s: Record<string, string>) => s["@_pass"] === "oobeSystem")
    .component.find((c: Record<string, string>) => c["@_name"] === "Microsoft-Windows-Shell-Setup");

describe("the base answer file", () => {
  const filled = fillAnswerPasswords(renderBaseAnswerFile(spec, buildVm, "placeholder"), BUILD);

  test("holds the build password for the built-in Administrator (AutoLogon and AdministratorPassword) and no local account", () => {
    const shell = parse(filled);
    expect(shell.UserAccounts).toEqual({ AdministratorPassword: { Value: BUILD_ADMIN, PlainText: false } });
    expect(shell.AutoLogon).toEqual({ Password: { Value: BUILD_AUTOLOGON, PlainText: false }, Enabled: true, LogonCount: 1, Username: "Administrator" });
    expect(filled).not.toContain("<LocalAccounts");
    expect(filled).not.toContain("<LocalAccount ");
    expect(filled).not.toContain("labadmin");
    expect(filled.split("\n").slice(0, 2)).toEqual(['<?xml version="1.0" encoding="utf-8"?>', BUILD_PASSWORD_COMMENT]);
  });

  test("rendered with the build password directly, it equals the filled readable copy", () => {
    expect(renderBaseAnswerFile(spec, buildVm, { adminPassword: BUILD })).toBe(filled);
  });

  test("holds no lab secret in any spelling", () => {
    for (const secret of Object.values(LAB_SECRETS)) for (const s of spellings(secret)) expect(filled).not.toContain(s);
  });

  test("a clone's answer file sets the lab's Administrator password and creates the lab admin in oobeSystem", () => {
    const clone = parse(fillAnswerPasswords(renderAnswerFile(spec, spec.vms[0], "placeholder"), LAB_SECRETS.adminPassword));
    expect(clone.UserAccounts.AdministratorPassword.Value).toBe(spellings(LAB_SECRETS.adminPassword)[1]);
    expect(clone.UserAccounts.LocalAccounts.LocalAccount.Name).toBe("labadmin");
    expect(clone.UserAccounts.LocalAccounts.LocalAccount.Password.Value).toBe(spellings(LAB_SECRETS.adminPassword)[2]);
  });
});

test("a throwaway build password: 28 characters, all four character classes, new at every call", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const pw = throwawayBuildPassword();
    expect(pw).toMatch(/^[A-Za-z0-9_-]{24}-Aa1$/);
    seen.add(pw);
  }
  expect(seen.size).toBe(50);
});

describe("the build inputs in the Pulumi program (mocks)", () => {
  const buildRegistrations = (run: Awaited<ReturnType<typeof runProgram>>) =>
    run.registrations.filter((r) => r.name.startsWith("dev-base-") && (r.type.endsWith(":InstallMedia") || r.type.endsWith(":BaseImage")));
  let runs: Array<Awaited<ReturnType<typeof runProgram>>>;
  beforeAll(async () => {
    runs = [];
    for (let i = 0; i < 2; i++)
      runs.push(
        await runProgram(
          "dev",
          (c) => {
            c.disks = "linked";
          },
          LAB_SECRETS,
        ),
      );
  });

  test("neither the base images nor their media carry a lab secret, in any spelling", () => {
    for (const run of runs) {
      expect(run.error).toBeUndefined();
      const regs = buildRegistrations(run);
      expect(regs.map((r) => r.name).sort()).toEqual([
        "dev-base-windows-11",
        "dev-base-windows-11-media",
        "dev-base-windows-server-2022",
        "dev-base-windows-server-2022-media",
      ]);
      const text = JSON.stringify(regs.map((r) => r.inputs));
      for (const secret of Object.values(LAB_SECRETS)) for (const s of spellings(secret)) expect(text).not.toContain(s);
    }
  });

  test("the build password is a Pulumi secret, never the lab's, and new at every run", () => {
    const passwords = runs.map((run) => {
      const media = run.registrations.find((r) => r.name === "dev-base-windows-server-2022-media")!;
      expect(run.isSecret(media.inputs.adminPassword)).toBe(true);
      return (media.inputs.adminPassword as { value: string }).value;
    });
    for (const pw of passwords) expect(pw).toMatch(/^[A-Za-z0-9_-]{24}-Aa1$/);
    expect(passwords[0]).not.toBe(passwords[1]);
    // The lab VMs' own media still take the lab's password.
    const dc = runs[0].registrations.find((r) => r.name === "dev-DC01-install-media")!;
    expect((dc.inputs.adminPassword as { value: string }).value).toBe(LAB_SECRETS.adminPassword);
  });
});
