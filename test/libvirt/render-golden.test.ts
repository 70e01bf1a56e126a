// The dev lab's XML, object by object, against the reviewed files in golden/dev/.
// After an intended change, rewrite them with:  UPDATE_GOLDEN=1 npx jest test/libvirt/render-golden
// and review the diff of test/libvirt/golden/ before committing it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderLab } from "../../libvirt/render";
import { stackSpec } from "../support/stacks";

const DIR = join(__dirname, "golden", "dev");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
// Rendered inside each test, not while jest collects them (so mutation testing can tell which test covers what).
const render = () => renderLab(stackSpec("dev")).map((o) => ({ ...o, file: `${o.kind}-${o.name}.xml` }));

if (UPDATE) {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const o of render()) writeFileSync(join(DIR, o.file), o.xml);
}

// In the order renderLab applies them: networks, the pool, volumes, domains.
const VMS = ["DC01", "SCCM01", "CLIENT01", "CLIENT02"];
const FILES = [
  "network-lab-net.xml",
  "network-default.xml",
  "pool-homelab.xml",
  ...VMS.map((vm) => `volume-${vm}.qcow2.xml`),
  ...VMS.map((vm) => `domain-${vm}.xml`),
];

// Missing goldens fail (readdirSync and readFileSync throw): only UPDATE_GOLDEN=1 writes them.
test("golden/dev holds exactly one file per rendered object", () => {
  expect(existsSync(DIR)).toBe(true);
  expect(readdirSync(DIR).sort()).toEqual([...FILES].sort());
  expect(render().map((o) => o.file)).toEqual(FILES);
});

test.each(FILES)("%s matches its golden file", (file) => {
  const golden = join(DIR, file);
  if (!existsSync(golden))
    throw new Error(`golden file ${golden} is missing: run UPDATE_GOLDEN=1 npx jest test/libvirt/render-golden, review it and commit it`);
  expect(render().find((o) => o.file === file)?.xml).toBe(readFileSync(golden, "utf8"));
});
