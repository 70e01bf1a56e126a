// What the providers cost over plain virsh, against a private libvirtd this bench starts and stops.
// Run: npx ts-node --transpile-only bench/libvirt.bench.ts   (root: it starts libvirtd in namespaces)
// Per round N (4, 50, 200): define N domains (not started) through the domain provider (check +
// create: lookup, define --validate, state, read back) and the same N XML documents through a
// plain `virsh define` loop; then a no-change read + diff per domain. Undefined between rounds.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { requireLabSpec } from "../lab";
import type { LabSpec, VmSpec } from "../lab";
import { renderDomainXml } from "../libvirt/render";
import * as domain from "../libvirt/providers/domain";
import type { CheckedDomain, DomainOutputs } from "../libvirt/providers/inputs";
import { Virsh } from "../libvirt/virsh";
import { startPrivateLibvirtd } from "../test/support/private-libvirtd";
import { stackConfig } from "../test/support/stacks";

const run = promisify(execFile);
const ROUNDS = [4, 50, 200];
const quiet = { info: () => undefined, warn: () => undefined };

function labUnder(dir: string): LabSpec {
  const cfg = stackConfig("dev");
  cfg.config.pool = { ...(cfg.config.pool as object), path: join(dir, "pool") };
  cfg.config.nvramDir = join(dir, "nvram");
  cfg.config.domainType = "qemu";
  return requireLabSpec(cfg).spec;
}

/** N copies of DC01 with their own name, UUID and NVRAM file. */
function domains(lab: LabSpec, n: number): { vm: VmSpec; xml: string }[] {
  const dc = lab.vms[0];
  return Array.from({ length: n }, (_, i) => {
    const name = `BENCH${String(i).padStart(3, "0")}`;
    const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const vm = { ...dc, name, uuid, nvramPath: join(lab.libvirt.nvramDir, `${name}_VARS.fd`), start: false };
    return { vm, xml: renderDomainXml(vm, lab) };
  });
}

const ms = (t0: number) => performance.now() - t0;

async function main(): Promise<void> {
  const daemon = await startPrivateLibvirtd();
  try {
    const uri = daemon.uri;
    const virsh = new Virsh({ uri });
    const lab = labUnder(join(daemon.dir, "lab"));
    mkdirSync(lab.libvirt.nvramDir, { recursive: true });
    const xmlDir = mkdtempSync(join(daemon.dir, "xml-"));
    const undefineAll = async () => {
      for (const name of await virsh.listDomains()) await virsh.undefineDomain(name);
    };
    const rows: string[][] = [];
    for (const n of ROUNDS) {
      const set = domains(lab, n);

      let t0 = performance.now();
      for (const { vm, xml } of set) {
        const files = join(xmlDir, `${vm.name}.xml`);
        writeFileSync(files, xml, { mode: 0o600 });
        await run("virsh", ["-c", uri, "-q", "define", "--validate", files]);
      }
      const plain = ms(t0);
      await undefineAll();

      const states: { inputs: CheckedDomain; outs: DomainOutputs }[] = [];
      t0 = performance.now();
      for (const { vm, xml } of set) {
        const { inputs } = await domain.check({}, { uri, name: vm.name, uuid: vm.uuid, xml, start: false });
        states.push({ inputs, outs: (await domain.create(inputs, quiet)).outs });
      }
      const provider = ms(t0);

      t0 = performance.now();
      for (const { inputs, outs } of states) {
        const read = await domain.read(outs.uuid, outs);
        const diff = await domain.diff(outs.uuid, read.props!, inputs);
        if (diff.changes) throw new Error(`no-change diff of ${inputs.name} found changes`);
      }
      const noChange = ms(t0);
      if ((await virsh.listDomains()).length !== n) throw new Error(`expected ${n} domains defined`);
      await undefineAll();

      rows.push([String(n), (plain / n).toFixed(1), (provider / n).toFixed(1), (provider / plain).toFixed(2), (noChange / n).toFixed(1)]);
    }
    const head = ["N", "virsh define ms/domain", "provider ms/domain", "provider/virsh", "no-change read+diff ms/domain"];
    const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padStart(width[i])).join(" | ")} |`;
    console.log(line(head));
    console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
    for (const r of rows) console.log(line(r));
  } finally {
    await daemon.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
