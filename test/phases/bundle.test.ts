import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildPhaseGraph, bundleScript, phaseParamStrings, secretEnvVar, winrmArgs } from "../../phases";
import { checkRules, powershellParser } from "../scripts/powershell";
import { PROJECT_DIR, stackSpec } from "../support/stacks";

const dev = buildPhaseGraph(stackSpec("dev"));
const scripts = [...new Set(dev.phases.map((p) => p.script))];

describe.each(scripts)("bundled %s", (script) => {
  test("is self-contained, still parses, and carries the modules verbatim", async () => {
    const parser = await powershellParser();
    const text = bundleScript(PROJECT_DIR, script);
    expect(text).not.toMatch(/\$PSScriptRoot/);
    const tree = parser.parse(text)!;
    expect(checkRules(tree.rootNode, script).filter((f) => f.rule !== "imports the Logger module")).toEqual([]);
    const embedded = [...text.matchAll(/New-Module -Name (\w+) -ScriptBlock .*FromBase64String\('([A-Za-z0-9+/=]+)'\)/g)];
    expect(embedded.map((m) => m[1])).toEqual(["Logger", "Validator"]);
    for (const [, name, b64] of embedded) {
      expect(Buffer.from(b64, "base64").toString("utf8")).toBe(readFileSync(join(PROJECT_DIR, "scripts", "modules", `${name}.psm1`), "utf8"));
    }
    // The param() block stays first, so the parameters still bind.
    expect(tree.rootNode.children.find((c) => c?.type !== "comment")?.type).toBe("param_block");
  });
});

test("parameters become strings: lists one item per line, generated files verbatim", () => {
  const sql = dev.phases.find((p) => p.id === "sccm01-sql-install")!;
  const strings = phaseParamStrings(sql);
  expect(strings.ConfigurationIni).toBe(sql.files!.ConfigurationIni);
  const net = phaseParamStrings(dev.phases.find((p) => p.id === "client01-network")!);
  expect(net.Nic.split("\n")).toHaveLength(2);
  expect(net.DnsServer).toBe("192.168.56.10");
});

test("secret parameters travel as environment variable names, never values", () => {
  expect(secretEnvVar("dsrmPassword")).toBe("HOMELAB_DSRM_PASSWORD");
  expect(secretEnvVar("sqlServicePassword")).toBe("HOMELAB_SQL_SERVICE_PASSWORD");
  const forest = dev.phases.find((p) => p.id === "dc01-ad-forest")!;
  const args = winrmArgs(forest, { scriptFile: "/tmp/x.ps1", user: "Administrator", transport: "ntlm", port: 5985 });
  expect(args).toEqual(["run", "--host", "192.168.56.10", "--port", "5985", "--transport", "ntlm", "--user", "Administrator", "--name", "DC01",
    "--script", "/tmp/x.ps1", "--param", "DomainName=corp.homelab.test", "--param", "DomainNetbios=CORP", "--secret-param", "DsrmPassword=HOMELAB_DSRM_PASSWORD"]);
});
