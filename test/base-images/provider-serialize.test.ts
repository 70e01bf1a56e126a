// The CloneDisk provider as Pulumi ships it: the closure's text, loaded in a plain node process started in
// the project folder (as Pulumi starts the provider host), then called. Proves the closure reaches
// base-images/clone-disk through the provider's loader and holds no path of this checkout.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { cloneDiskProvider } from "../../base-images/provider";

jest.setTimeout(90_000);

const PROVIDER_HOST = `
const load = require(require.resolve("require-from-string", { paths: [process.argv[1]] }));
const provider = load(require("fs").readFileSync(process.argv[2], "utf8")).handler();
const [method, ...args] = JSON.parse(process.argv[3]);
provider[method](...args).then((out) => console.log(JSON.stringify(out)), (err) => console.log(JSON.stringify({ error: err.message })));
`;
const PROJECT = join(__dirname, "..", "..");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "clone-disk-provider-host-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function callInHost(call: unknown[]): Promise<Record<string, unknown>> {
  const closure = await pulumi.runtime.serializeFunction(() => cloneDiskProvider, { allowSecrets: true });
  expect(closure.text).not.toContain(PROJECT);
  const file = join(dir, "provider.js");
  writeFileSync(file, closure.text);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", PROVIDER_HOST, PROJECT, file, JSON.stringify(call)], { cwd: PROJECT, timeout: 80_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()!));
    });
  });
}

test("CloneDisk's check, from the provider host, notes a changed base image that the disk keeps", async () => {
  const disk = {
    uri: "qemu:///system",
    pool: "homelab",
    name: "DC01.qcow2",
    vm: "DC01",
    capacityBytes: 2 ** 30,
    mode: "linked",
    basePool: "homelab",
    baseCapacityBytes: 2 ** 30,
    replaceOnBaseChange: false,
    deleteOnDestroy: false,
    serialLog: "/var/log/libvirt/qemu/DC01-serial.log",
  };
  const olds = { ...disk, base: "base-windows-server-2022-aaaaaaaaaaaa.qcow2", basePath: "/p/base-windows-server-2022-aaaaaaaaaaaa.qcow2" };
  const news = { ...disk, base: "base-windows-server-2022-bbbbbbbbbbbb.qcow2", basePath: "/p/base-windows-server-2022-bbbbbbbbbbbb.qcow2" };
  const result = await callInHost(["check", olds, news]);
  expect(result.failures).toEqual([]);
  expect((result.inputs as Record<string, unknown>).madeFrom).toBe("base-windows-server-2022-aaaaaaaaaaaa.qcow2");
  expect((result.inputs as Record<string, unknown>).note).toBe(
    "the base image changed from base-windows-server-2022-aaaaaaaaaaaa.qcow2 to base-windows-server-2022-bbbbbbbbbbbb.qcow2, but homelab:replaceClonesOnBaseChange is false: " +
      "VM DC01 keeps its disk homelab/DC01.qcow2, which still reads from the old base image base-windows-server-2022-aaaaaaaaaaaa.qcow2 (kept while it does). " +
      "To rebuild the VM from base-windows-server-2022-bbbbbbbbbbbb.qcow2 (the data on its disk is lost): pulumi config set homelab:replaceClonesOnBaseChange true, then pulumi up",
  );
});
