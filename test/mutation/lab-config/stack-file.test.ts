// The stack-file reader on small hand-written project folders: what Pulumi's engine would hand the
// program (Pulumi docs, "Configuration": plain values arrive as strings the program JSON-parses,
// secure values are never read here), and the errors for missing or broken files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigValue, parseStackYaml, projectDefaults, pulumiConfigValue, readStackConfig, StackFileError } from "../../../lab/stack-file";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "homelab-stackfile-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const PROJECT = `name: homelab
runtime: nodejs
config:
  homelab:uri:
    type: string
    default: qemu:///session
  guestPhases:
    type: boolean
    default: true
  homelab:winrmUser:
    type: string
  other:region:
    default: eu
  homelab:count:
    default: "4"
  homelab:plain: 7
`;

describe("project defaults", () => {
  it("takes the default of each homelab key (namespaced or bare), as the engine passes it", () => {
    expect(projectDefaults(folder({ "Pulumi.yaml": PROJECT }))).toEqual({ uri: "qemu:///session", guestPhases: true, count: 4 });
  });
  it("an empty project file has no defaults", () => {
    expect(projectDefaults(folder({ "Pulumi.yaml": "" }))).toEqual({});
    expect(projectDefaults(folder({ "Pulumi.yaml": "name: homelab\n" }))).toEqual({});
  });
  it("a missing project file is a StackFileError naming the file and the fix", () => {
    const dir = folder({});
    expect(() => projectDefaults(dir)).toThrow(
      new StackFileError(`no project file ${dir}/Pulumi.yaml: run the command in the project folder, or pass --project`),
    );
    expect(new StackFileError("x").name).toBe("StackFileError");
    expect(new StackFileError("x")).toBeInstanceOf(Error);
  });
});

describe("stack config", () => {
  const STACK = `config:
  homelab:adminPassword:
    secure: v1:AAAABBBB
  homelab:guestPhases: "false"
  vcpus: "4"
  homelab:vms:
    - { name: a, memory: 1GiB }
  homelab:pool: { name: p, path: /srv/p }
  homelab:nothing: null
  aws:region: us-east-1
  homelabx:key: 1
`;

  it("over the project defaults: secrets marked and never read, plain values JSON-parsed, other namespaces dropped", () => {
    const dir = folder({ "Pulumi.yaml": PROJECT, "Pulumi.t.yaml": STACK });
    const read = readStackConfig(dir, "t");
    expect(read).toEqual({
      stack: "t",
      config: {
        uri: "qemu:///session",
        guestPhases: false,
        count: 4,
        adminPassword: "[secret]",
        vcpus: 4,
        vms: [{ name: "a", memory: "1GiB" }],
        pool: { name: "p", path: "/srv/p" },
        nothing: null,
      },
      secretKeys: new Set(["adminPassword"]),
    });
  });

  it("an empty stack file is the project defaults", () => {
    const read = readStackConfig(folder({ "Pulumi.yaml": PROJECT, "Pulumi.e.yaml": "" }), "e");
    expect(read).toEqual({ stack: "e", config: { uri: "qemu:///session", guestPhases: true, count: 4 }, secretKeys: new Set() });
  });

  it("a missing stack file names the file and the fix", () => {
    const dir = folder({ "Pulumi.yaml": PROJECT });
    expect(() => readStackConfig(dir, "nope")).toThrow(
      new StackFileError(`no stack config ${dir}/Pulumi.nope.yaml: create it, or pick a stack that exists (see Pulumi.*.yaml)`),
    );
  });

  it("merge keys are resolved and duplicate keys refused, as the Pulumi CLI reads YAML", () => {
    expect(parseStackYaml("base: &b { x: 1, y: 2 }\nuse: { <<: *b, y: 3 }\n", "f.yaml")).toEqual({ base: { x: 1, y: 2 }, use: { x: 1, y: 3 } });
    expect(() => parseStackYaml("a: 1\na: 2\n", "/p/Pulumi.d.yaml")).toThrow(StackFileError);
    expect(() => parseStackYaml("a: 1\na: 2\n", "/p/Pulumi.d.yaml")).toThrow(/^\/p\/Pulumi\.d\.yaml is not valid YAML: Map keys must be unique/);
  });
});

describe("values as the engine hands them over", () => {
  it.each([
    ["true", true],
    ["4", 4],
    ["[1,2]", [1, 2]],
    ['{"a":1}', { a: 1 }],
    ["qemu:///system", "qemu:///system"],
    ["", ""],
  ])("the string %j reads as %j", (raw, value) => {
    expect(parseConfigValue(raw)).toEqual(value);
  });
  it("plain YAML scalars go through their string form; objects, lists and null stay as they are", () => {
    expect(pulumiConfigValue(true)).toBe(true);
    expect(pulumiConfigValue(5)).toBe(5);
    expect(pulumiConfigValue("5")).toBe(5);
    expect(pulumiConfigValue("five")).toBe("five");
    expect(pulumiConfigValue(null)).toBeNull();
    expect(pulumiConfigValue(["1"])).toEqual(["1"]);
    expect(pulumiConfigValue({ a: "1" })).toEqual({ a: "1" });
  });
});
