// Checks XML against libvirt's own RNG schemas with the real `virt-xml-validate` (libvirt-clients).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The schema names virt-xml-validate knows (the RNG files in /usr/share/libvirt/schemas). */
export type LibvirtSchema = "domain" | "network" | "storagepool" | "storagevol" | "pool";

export interface XmlValidation {
  ok: boolean;
  /** What virt-xml-validate printed: the schema errors when not ok. */
  output: string;
}

/** Runs `virt-xml-validate FILE SCHEMA` on the XML through a temp file. Never throws on invalid XML. */
export async function validateLibvirtXml(xml: string, schema: LibvirtSchema, binary = "virt-xml-validate"): Promise<XmlValidation> {
  const dir = await mkdtemp(join(tmpdir(), "xml-validate-"));
  const file = join(dir, `${schema}.xml`);
  try {
    await writeFile(file, xml);
    try {
      const { stdout, stderr } = await run(binary, [file, schema]);
      return { ok: true, output: `${stdout}${stderr}` };
    } catch (error) {
      const failed = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (failed.code === "ENOENT") throw new Error(`${binary} is not installed: apt-get install libvirt-clients libxml2-utils`);
      return { ok: false, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** validateLibvirtXml that throws with the schema errors, for tests that just need valid XML. */
export async function expectValidLibvirtXml(xml: string, schema: LibvirtSchema): Promise<void> {
  const result = await validateLibvirtXml(xml, schema);
  if (!result.ok) throw new Error(`XML does not validate against libvirt's ${schema} schema:\n${result.output}\n--- XML ---\n${xml}`);
}
