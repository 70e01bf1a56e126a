// Pulumi ships a dynamic provider to its provider host as the text of its closure. This test does
// what the host does (require-from-string, then handler()) in a plain node process, with no
// TypeScript loader, started in the project folder as Pulumi starts it, and calls the provider: it
// proves the closure is self-contained and holds no path of the checkout (issue 17, defect 1).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { domainProvider, networkProvider } from "../../libvirt/resources";

jest.setTimeout(60_000);

// With node -e, process.argv[1] is the first argument.
const HOST = `
const requireFromString = require(require.resolve("require-from-string", { paths: [process.argv[1]] }));
const provider = requireFromString(require("fs").readFileSync(process.argv[2], "utf8")).handler();
const [method, ...args] = JSON.parse(process.argv[3]);
provider[method](...args).then((r) => console.log(JSON.stringify(r)), (e) => { console.log(JSON.stringify({ error: e.message })); });
`;

const PROJECT = join(__dirname, "..", "..");

function runInHost(dir: string, provider: pulumi.dynamic.ResourceProvider, call: unknown[]): Promise<Record<string, unknown>> {
  return pulumi.runtime
    .serializeFunction(() => provider, { allowSecrets: true })
    .then((sf) => {
      expect(sf.text).not.toContain(PROJECT);
      const file = join(dir, `${String(call[0])}.js`);
      writeFileSync(file, sf.text);
      return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-e", HOST, PROJECT, file, JSON.stringify(call)], { cwd: PROJECT, timeout: 50_000 }, (err, stdout, stderr) => {
          if (err) return reject(new Error(`${err.message}\n${stderr}`));
          resolve(JSON.parse(stdout.trim().split("\n").pop()!));
        });
      });
    });
}

describe("the serialized providers", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "provider-host-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the closure is small: it loads the provider code at run time instead of carrying it", async () => {
    const sf = await pulumi.runtime.serializeFunction(() => domainProvider, { allowSecrets: true });
    expect(sf.text.length).toBeLessThan(20_000);
    expect(sf.text).not.toMatch(/execFile|XMLParser/);
  });

  test("check runs in a plain node host and derives the summary from the XML", async () => {
    const xml =
      "<network><name>lab-net</name><uuid>f42a8bd8-ab64-5db7-8973-bf7db387db75</uuid><bridge name='virbr56'/><mac address='52:54:00:87:c5:b2'/><ip address='192.168.56.1' netmask='255.255.255.0'/></network>";
    const result = await runInHost(dir, networkProvider, [
      "check",
      {},
      { uri: "qemu:///system", name: "lab-net", uuid: "f42a8bd8-ab64-5db7-8973-bf7db387db75", xml, active: true, autostart: true },
    ]);
    expect(result).toMatchObject({ failures: [], inputs: { summary: { bridge: "virbr56", mode: "isolated", ips: ["192.168.56.1/255.255.255.0"] } } });
  });

  test("create reaches virsh from the host, and its error names the object and the connection", async () => {
    const xml = "<network><name>lab-net</name><uuid>f42a8bd8-ab64-5db7-8973-bf7db387db75</uuid></network>";
    const result = await runInHost(dir, networkProvider, [
      "create",
      { uri: "qemu:///system?socket=/nonexistent/sock", name: "lab-net", uuid: "f42a8bd8-ab64-5db7-8973-bf7db387db75", xml, active: true, autostart: true },
    ]);
    expect(result.error).toMatch(/^libvirt could not read the state of network lab-net: no connection to qemu:\/\/\/system\?socket=\/nonexistent\/sock/);
  });
});
