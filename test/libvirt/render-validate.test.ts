// Every object of every variant must pass libvirt's own RNG schemas (virt-xml-validate).
import { renderLab, RenderedKind } from "../../libvirt/render";
import { stackSpec, STACKS } from "../support/stacks";
import { LibvirtSchema, validateLibvirtXml } from "../support/xml-validate";

const SCHEMA: Record<RenderedKind, LibvirtSchema> = { network: "network", pool: "storagepool", volume: "storagevol", domain: "domain" };

const objects = STACKS.flatMap((stack) => renderLab(stackSpec(stack)).map((o) => ({ stack, ...o })));

test("every variant renders networks, a pool, volumes and domains", () => {
  for (const stack of STACKS) {
    const kinds = new Set(objects.filter((o) => o.stack === stack).map((o) => o.kind));
    expect([...kinds].sort()).toEqual(["domain", "network", "pool", "volume"]);
  }
});

test.each(objects.map((o) => [o.stack, o.kind, o.name, o.xml] as const))("%s %s %s validates against libvirt's schema", async (_stack, kind, _name, xml) => {
  const result = await validateLibvirtXml(xml, SCHEMA[kind]);
  expect(result.output).toMatch(/validates/);
  expect(result.ok).toBe(true);
});

test("the validator rejects what libvirt's schema rejects", async () => {
  const broken = objects.find((o) => o.kind === "domain")!.xml.replace("<on_crash>destroy</on_crash>", "<on_crash>explode</on_crash>");
  const result = await validateLibvirtXml(broken, "domain");
  expect(result.ok).toBe(false);
  expect(result.output).toMatch(/fails to validate/);
});
