// The dev lab's XML, object by object, against the reviewed files in golden/dev/.
// After an intended change, rewrite them with:  UPDATE_GOLDEN=1 npx jest test/libvirt/render-golden
// and review the diff of test/libvirt/golden/ before committing it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderLab } from "../../libvirt/render";
import { stackSpec } from "../support/stacks";

const DIR = join(__dirname, "golden", "dev");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const rendered = renderLab(stackSpec("dev")).map((o) => ({ ...o, file: `${o.kind}-${o.name}.xml` }));

if (UPDATE) {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const o of rendered) writeFileSync(join(DIR, o.file), o.xml);
}

// Missing goldens fail (readdirSync and readFileSync throw): only UPDATE_GOLDEN=1 writes them.
test("golden/dev holds exactly one file per rendered object", () => {
  expect(existsSync(DIR)).toBe(true);
  expect(readdirSync(DIR).sort()).toEqual(rendered.map((o) => o.file).sort());
});

test.each(rendered.map((o) => [o.file, o.xml] as const))("%s matches its golden file", (file, xml) => {
  const golden = join(DIR, file);
  if (!existsSync(golden)) throw new Error(`golden file ${golden} is missing: run UPDATE_GOLDEN=1 npx jest test/libvirt/render-golden, review it and commit it`);
  expect(xml).toBe(readFileSync(golden, "utf8"));
});
