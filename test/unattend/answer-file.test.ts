// The answer file of every Windows VM of every variant: reviewed golden files, the allow-list
// check from Microsoft's unattend reference, password encoding and the documented limits.
// After an intended change: UPDATE_GOLDEN=1 npx jest test/unattend/answer-file, then review
// test/unattend/golden/ line by line against the reference before committing.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isWindows } from "../../lab";
import {
  AnswerFileError,
  checkComputerName,
  firstLogonCommand,
  labAdminName,
  PASSWORD_PLACEHOLDER,
  renderAnswerFile,
  windowsMac,
} from "../../unattend/answer-file";
import { checkAnswerFile } from "../../unattend/check";
import { decodeUnattendPassword, encodeUnattendPassword } from "../../unattend/password";
import { clone, STACKS, stackSpec } from "../support/stacks";

const GOLDEN = join(__dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const cases = STACKS.flatMap((stack) => {
  const spec = stackSpec(stack);
  return spec.vms.filter(isWindows).map((vm) => ({ stack, vm: vm.name, spec, file: join(GOLDEN, stack, `${vm.name}.xml`) }));
});

test("every variant with Windows VMs has answer files to check", () => {
  expect(cases.map((c) => `${c.stack}/${c.vm}`)).toEqual(
    expect.arrayContaining(["dev/DC01", "dev/SCCM01", "dev/CLIENT01", "dev/CLIENT02", "minimal/DC01", "nokvm/CLIENT01", "split-sql/SQL01"]),
  );
});

describe.each(cases.map((c) => [`${c.stack}/${c.vm}`, c] as const))("%s", (_id, c) => {
  const vm = c.spec.vms.find((v) => v.name === c.vm)!;
  const readable = renderAnswerFile(c.spec, vm, "placeholder");
  const real = renderAnswerFile(c.spec, vm, { adminPassword: "Lab-Test-Only-1" });

  test("matches its reviewed golden file (a missing golden fails)", () => {
    if (UPDATE) {
      mkdirSync(join(GOLDEN, c.stack), { recursive: true });
      writeFileSync(c.file, readable);
    }
    if (!existsSync(c.file)) throw new Error(`${c.file} is missing: run UPDATE_GOLDEN=1 npx jest test/unattend/answer-file and review it`);
    expect(readable).toBe(readFileSync(c.file, "utf8"));
  });

  test("passes the allow-list check, readable and real", () => {
    expect(checkAnswerFile(readable, { placeholder: PASSWORD_PLACEHOLDER })).toEqual([]);
    expect(checkAnswerFile(real)).toEqual([]);
  });

  test("the real file differs from the readable one only in the three password values", () => {
    const diff = real.split("\n").filter((line, i) => line !== readable.split("\n")[i]);
    expect(diff).toHaveLength(3);
    expect(real).not.toContain("Lab-Test-Only-1");
    expect(real).toContain(`<Value>${encodeUnattendPassword("Lab-Test-Only-1", "AdministratorPassword")}</Value>`);
  });
});

test("no golden file is left over from a VM or variant that no longer exists", () => {
  const expected = cases.map((c) => `${c.stack}/${c.vm}.xml`).sort();
  const present = readdirSync(GOLDEN)
    .flatMap((stack) => readdirSync(join(GOLDEN, stack)).map((f) => `${stack}/${f}`))
    .sort();
  expect(present).toEqual(expected);
});

describe("password encoding (base64 of UTF-16LE password + setting name)", () => {
  test.each([
    // Microsoft's own example in UserAccounts | AdministratorPassword | Value: "pw".
    ["pw", "AdministratorPassword", "cAB3AEEAZABtAGkAbgBpAHMAdAByAGEAdABvAHIAUABhAHMAcwB3AG8AcgBkAA=="],
    // Microsoft's example in LocalAccounts | LocalAccount | Password: "password".
    ["password", "Password", "cABhAHMAcwB3AG8AcgBkAFAAYQBzAHMAdwBvAHIAZAA="],
    // Computed independently: printf 'Ünïcødé€1Password' | iconv -t UTF-16LE | base64
    ["Ünïcødé€1", "Password", "3ABuAO8AYwD4AGQA6QCsIDEAUABhAHMAcwB3AG8AcgBkAA=="],
  ] as const)("%s with suffix %s", (password, setting, encoded) => {
    expect(encodeUnattendPassword(password, setting)).toBe(encoded);
    expect(decodeUnattendPassword(encoded, setting)).toBe(password);
  });

  test("decoding with the wrong setting's suffix is refused", () => {
    expect(() => decodeUnattendPassword("cABhAHMAcwB3AG8AcgBkAFAAYQBzAHMAdwBvAHIAZAA=", "AdministratorPassword")).toThrow(/AdministratorPassword suffix/);
  });
});

describe("the allow-list check can fail", () => {
  const spec = stackSpec("dev");
  const good = renderAnswerFile(spec, spec.vms[0], { adminPassword: "x" });
  test.each([
    [
      "an undocumented setting",
      good.replace("<TimeZone>UTC</TimeZone>", "<TimeZones>UTC</TimeZones>"),
      "specialize/Microsoft-Windows-Shell-Setup/TimeZones: not a documented setting",
    ],
    [
      "a setting in the wrong pass",
      good.replace("<TimeZone>UTC</TimeZone>", "<TimeZone>UTC</TimeZone><AutoLogon><Enabled>true</Enabled></AutoLogon>"),
      "specialize/Microsoft-Windows-Shell-Setup/AutoLogon: not a documented setting",
    ],
    [
      "a wrong publicKeyToken",
      good.replace(
        'name="Microsoft-Windows-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35"',
        'name="Microsoft-Windows-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e36"',
      ),
      'windowsPE/Microsoft-Windows-Setup: publicKeyToken="31bf3856ad364e36", expected "31bf3856ad364e35"',
    ],
    [
      "x86 instead of amd64",
      good.replace('name="Microsoft-Windows-TCPIP" processorArchitecture="amd64"', 'name="Microsoft-Windows-TCPIP" processorArchitecture="x86"'),
      'specialize/Microsoft-Windows-TCPIP: processorArchitecture="x86", expected "amd64"',
    ],
    [
      "a product key element",
      good.replace("<AcceptEula>true</AcceptEula>", "<AcceptEula>true</AcceptEula><ProductKey><Key></Key></ProductKey>"),
      "windowsPE/Microsoft-Windows-Setup/UserData/ProductKey: not a documented setting",
    ],
    [
      "a plain-text password",
      good.replace("<PlainText>false</PlainText>", "<PlainText>true</PlainText>"),
      "/AutoLogon/Password/PlainText: passwords are written encoded",
    ],
    [
      "Identifier after UnicastIpAddresses",
      good.replace(/(<Identifier>52-54-00-69-1B-44<\/Identifier>)(\s*)(<UnicastIpAddresses>[\s\S]*?<\/UnicastIpAddresses>)/, "$3$2$1"),
      "are not in the documented order",
    ],
    [
      "a list item without wcm:action",
      good.replace('<CreatePartition wcm:action="add">', "<CreatePartition>"),
      'CreatePartition: a list item without wcm:action="add"',
    ],
    [
      "an AdministratorPassword encoded with the Password suffix",
      good.replace(encodeUnattendPassword("x", "AdministratorPassword"), encodeUnattendPassword("x", "Password")),
      'UserAccounts/AdministratorPassword/Value: not base64 of UTF-16LE password + "AdministratorPassword"',
    ],
    [
      "a 16-character computer name",
      good.replace("<ComputerName>DC01</ComputerName>", "<ComputerName>ABCDEFGHIJKLMNOP</ComputerName>"),
      '"ABCDEFGHIJKLMNOP" is not a computer name',
    ],
    [
      "a component not allowed in the pass",
      good.replace('name="Microsoft-Windows-International-Core-WinPE"', 'name="Microsoft-Windows-International-Core"'),
      "windowsPE: component Microsoft-Windows-International-Core is not allowed in this pass",
    ],
  ])("finds %s", (_what, xml, message) => {
    expect(checkAnswerFile(xml).join("\n")).toContain(message);
  });
});

describe("what the answer file says, literally", () => {
  const spec = stackSpec("dev");
  const vm = (name: string) => spec.vms.find((v) => v.name === name)!;
  test("the MAC is written the way Microsoft-Windows-TCPIP's Identifier takes it", () => {
    expect(windowsMac("52:54:00:ab:0c:ef")).toBe("52-54-00-AB-0C-EF");
  });
  test("Server 2022 installs image 2, Windows 11 image 1", () => {
    expect(renderAnswerFile(spec, vm("DC01"), "placeholder")).toMatch(/<Key>\/IMAGE\/INDEX<\/Key>\s*<Value>2<\/Value>/);
    expect(renderAnswerFile(spec, vm("CLIENT01"), "placeholder")).toMatch(/<Key>\/IMAGE\/INDEX<\/Key>\s*<Value>1<\/Value>/);
  });
  test("BypassNRO only on Windows 11", () => {
    expect(renderAnswerFile(spec, vm("CLIENT01"), "placeholder")).toContain("/v BypassNRO /t REG_DWORD /d 1 /f");
    expect(renderAnswerFile(spec, vm("SCCM01"), "placeholder")).not.toContain("BypassNRO");
  });
  test("the first-logon command fits the documented 1024 characters and names the bootstrap", () => {
    expect(firstLogonCommand().length).toBeLessThanOrEqual(1024);
    expect(firstLogonCommand()).toContain("'homelab\\bootstrap\\Start-LabBootstrap.ps1'");
  });
  test("no <Key> product key element on evaluation media", () => {
    for (const v of spec.vms) expect(renderAnswerFile(spec, v, "placeholder")).not.toMatch(/<ProductKey>|<Key>(?!\/IMAGE)/);
  });
});

describe("limits and bad input", () => {
  test.each([["A"], ["DC01"], ["ABCDEFGHIJKLMNO"], ["sccm-01"]])("computer name %s is accepted", (name) => {
    expect(checkComputerName(name, "homelab:vms[0].hostname")).toBe(name);
  });
  test.each([
    ["ABCDEFGHIJKLMNOP", 'homelab:vms[0].hostname: "ABCDEFGHIJKLMNOP" is 16 characters; a Windows computer name has at most 15: set a shorter hostname'],
    ["SCCM_01", "homelab:vms[0].hostname: \"SCCM_01\" is not a Windows computer name: use letters, digits and '-' only, not digits alone"],
    ["12345", "homelab:vms[0].hostname: \"12345\" is not a Windows computer name: use letters, digits and '-' only, not digits alone"],
    ["DC 01", "homelab:vms[0].hostname: \"DC 01\" is not a Windows computer name: use letters, digits and '-' only, not digits alone"],
  ])("computer name %s is refused", (name, message) => {
    expect(() => checkComputerName(name, "homelab:vms[0].hostname")).toThrow(message);
  });
  test("a long hostname in the spec is refused with its config path", () => {
    const spec = clone(stackSpec("dev"));
    spec.vms[1].hostname = "SCCM01-PRIMARY-SITE";
    expect(() => renderAnswerFile(spec, spec.vms[1], "placeholder")).toThrow('homelab:vms[1].hostname: "SCCM01-PRIMARY-SITE" is 19 characters');
  });
  test("a VirtIO disk is refused: Setup has no in-box driver for it", () => {
    const spec = clone(stackSpec("dev"));
    spec.vms[2].diskBus = "virtio";
    expect(() => renderAnswerFile(spec, spec.vms[2], "placeholder")).toThrow(
      new AnswerFileError(
        "homelab:vms[2].diskBus: virtio needs the VirtIO storage driver in Windows Setup, which the unattended install does not load: use sata, or set homelab:install to manual",
      ),
    );
  });
  test("a VirtIO NIC is refused", () => {
    const spec = clone(stackSpec("dev"));
    spec.vms[0].nics[1].model = "virtio";
    expect(() => renderAnswerFile(spec, spec.vms[0], "placeholder")).toThrow("homelab:vms[0].nics[1].model: virtio has no in-box Windows driver");
  });
  test("the lab admin is the VM's WinRM user, or labadmin when it logs on as Administrator", () => {
    const spec = clone(stackSpec("dev"));
    expect(labAdminName(spec.vms[0])).toBe("labadmin");
    spec.vms[2].winrmUser = "homelab";
    expect(labAdminName(spec.vms[2])).toBe("homelab");
    const client = renderAnswerFile(spec, spec.vms[2], "placeholder");
    expect(client).toContain("<Name>homelab</Name>");
    expect(client).not.toContain("<Name>labadmin</Name>");
    expect(renderAnswerFile(spec, spec.vms[0], "placeholder")).toContain("<Name>labadmin</Name>");
  });
  test("a Linux VM gets no answer file", () => {
    const spec = stackSpec("linux");
    expect(() => renderAnswerFile(spec, spec.vms[0], "placeholder")).toThrow("is not a Windows VM");
  });
});
