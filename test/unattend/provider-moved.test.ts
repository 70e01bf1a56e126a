// InstallMedia holds no path of the checkout (issue 17, defect 1): the provider, as Pulumi ships
// it, runs in a plain node host started in another folder holding the project (a moved checkout:
// its own scripts/, the build), and builds the answer ISO from that folder's scripts/. The
// disk lookup goes to libvirt's built-in test driver (test:///default), which has no such volume.
import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MEDIA_SCRIPTS_DIR, renderAnswerFile } from "../../unattend/answer-file";
import { installMediaProvider } from "../../unattend/provider";
import { PROJECT_DIR, stackSpec } from "../support/stacks";
import { fakeInstallerIso } from "./fake-media";

jest.setTimeout(120_000);

const HOST = `
const load = require(require.resolve("require-from-string", { paths: [process.argv[1]] }));
const provider = load(require("fs").readFileSync(process.argv[2], "utf8")).handler();
const [method, ...args] = JSON.parse(process.argv[3]);
provider[method](...args).then((out) => console.log(JSON.stringify(out)), (err) => console.log(JSON.stringify({ error: err.message })));
`;

const MARK = "# this copy of the bootstrap is the moved checkout's";
let tmp: string;
let moved: string;
let closureFile: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "install-media-moved-"));
  moved = join(tmp, "moved-checkout");
  mkdirSync(moved);
  symlinkSync(join(PROJECT_DIR, "node_modules"), join(moved, "node_modules"));
  symlinkSync(join(PROJECT_DIR, "dist"), join(moved, "dist"));
  cpSync(join(PROJECT_DIR, "scripts"), join(moved, "scripts"), { recursive: true });
  appendFileSync(join(moved, "scripts", "bootstrap", "Start-LabBootstrap.ps1"), `\n${MARK}\n`);
  closureFile = join(tmp, "closure.js");
  writeFileSync(closureFile, (await pulumi.runtime.serializeFunction(() => installMediaProvider, { allowSecrets: true })).text);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function callIn(cwd: string, call: unknown[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", HOST, PROJECT_DIR, closureFile, JSON.stringify(call)], { cwd, timeout: 110_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()!));
    });
  });
}

test("a provider host in a moved checkout builds the answer ISO from that checkout's scripts/, and no path of either is in the outputs", async () => {
  const spec = stackSpec("dev");
  const source = fakeInstallerIso(join(tmp, "src"), {
    imageNames: ["Windows Server 2022 Standard Evaluation", "Windows Server 2022 Standard Evaluation (Desktop Experience)"],
    volumeId: "SSS_X64FREE_EN-US_DV9",
  });
  const answerIso = join(tmp, "answers", "DC01-autounattend.iso");
  const inputs = {
    uri: "test:///default",
    name: "DC01",
    hostname: "DC01",
    os: "windows-server-2022",
    configPath: "homelab:vms[0].iso",
    sourceIso: source,
    pool: "default-pool",
    volume: "DC01.qcow2",
    answerIso,
    serialLog: join(tmp, "DC01-serial.log"),
    readableXml: renderAnswerFile(spec, spec.vms[0], "placeholder"),
    adminPassword: "Lab-Test-Only-1",
  };
  const result = await callIn(moved, ["create", inputs]);
  expect(result.error).toBeUndefined();
  expect(result.id).toBe("DC01-media");
  expect((result.outs as Record<string, unknown>).adopted).toBe("");
  const text = JSON.stringify(result);
  expect(text).not.toContain(moved);
  expect(text).not.toContain(PROJECT_DIR);
  expect(text).not.toContain("Lab-Test-Only-1");
  const out = join(tmp, "extracted.ps1");
  execFileSync("xorriso", ["-osirrox", "on", "-indev", answerIso, "-extract", `/${MEDIA_SCRIPTS_DIR}/bootstrap/Start-LabBootstrap.ps1`, out], {
    stdio: "ignore",
  });
  expect(readFileSync(out, "utf8").trimEnd().endsWith(MARK)).toBe(true);
});
