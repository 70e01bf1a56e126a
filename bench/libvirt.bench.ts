// What the providers cost over plain virsh, against a private libvirtd this bench starts and stops.
// Run: npx ts-node --transpile-only bench/libvirt.bench.ts   (root: it starts libvirtd in namespaces)
// Per round N (4, 50, 200): define N domains (not started) through a plain `virsh define` loop (one
// process each, the baseline) and through the domain provider (check + create over the
// connection's virsh session); then a no-change read + diff of each. Undefined between rounds.
// Then the whole dev lab (networks, pool, volumes, domains) created through the providers, and a
// no-change refresh of it: the virsh processes and commands each took.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import type { LabSpec, VmSpec } from "../lab";
import { renderDomainXml } from "../libvirt/render";
import * as ops from "../libvirt/providers/ops";
import type { CheckedDomain, DomainOutputs } from "../libvirt/providers/inputs";
import { Virsh, virshProcessCount } from "../libvirt/virsh";
import { closeSessions, sessionCommandCount } from "../libvirt/virsh-session";
import { startPrivateLibvirtd } from "../test/support/private-libvirtd";
import { devLabUnder, domainInputs, networkInputs, poolInputs, volumeInputs } from "../test/libvirt/lab-fixture";

const run = promisify(execFile);
const ROUNDS = [4, 50, 200];
const quiet = { info: () => undefined, warn: () => undefined };

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

function table(head: string[], rows: string[][]): void {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padStart(width[i])).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

async function checked<T>(result: Promise<{ inputs: T; failures: { reason: string }[] }>): Promise<T> {
  const r = await result;
  if (r.failures.length > 0) throw new Error(r.failures.map((f) => f.reason).join("; "));
  return r.inputs;
}

/** virsh processes and commands spent by `work`. */
async function counted(work: () => Promise<void>): Promise<{ processes: number; commands: number }> {
  const p0 = virshProcessCount();
  const c0 = sessionCommandCount();
  await work();
  return { processes: virshProcessCount() - p0, commands: sessionCommandCount() - c0 };
}

async function main(): Promise<void> {
  const daemon = await startPrivateLibvirtd();
  try {
    const uri = daemon.uri;
    const virsh = new Virsh({ uri });
    const lab = devLabUnder(join(daemon.dir, "lab"));
    mkdirSync(lab.libvirt.nvramDir, { recursive: true });
    const xmlDir = mkdtempSync(join(daemon.dir, "xml-"));
    const undefineAll = async () => {
      for (const uuid of (await virsh.domainUuids()).values()) await virsh.undefineDomain(uuid);
    };
    const rows: string[][] = [];
    for (const n of ROUNDS) {
      const set = domains(lab, n);

      let t0 = performance.now();
      for (const { vm, xml } of set) {
        const file = join(xmlDir, `${vm.name}.xml`);
        writeFileSync(file, xml, { mode: 0o600 });
        await run("virsh", ["-c", uri, "-q", "define", "--validate", file]);
      }
      const plain = ms(t0);
      await undefineAll();

      const states: { inputs: CheckedDomain; outs: DomainOutputs }[] = [];
      t0 = performance.now();
      for (const { vm, xml } of set) {
        const inputs = await checked(ops.domain.check({}, { uri, name: vm.name, uuid: vm.uuid, xml, start: false }));
        states.push({ inputs, outs: (await ops.domain.create(inputs, quiet)).outs });
      }
      const provider = ms(t0);

      t0 = performance.now();
      for (const { inputs, outs } of states) {
        const read = await ops.domain.read(outs.uuid, outs);
        const diff = await ops.domain.diff(outs.uuid, read.props!, inputs);
        if (diff.changes) throw new Error(`no-change diff of ${inputs.name} found changes: ${JSON.stringify(read.props!.drift)}`);
      }
      const noChange = ms(t0);
      if ((await virsh.listDomains()).length !== n) throw new Error(`expected ${n} domains defined`);
      await undefineAll();

      rows.push([
        String(n),
        (plain / n).toFixed(1),
        (provider / n).toFixed(1),
        (provider / plain).toFixed(2),
        (noChange / n).toFixed(1),
        (noChange / provider).toFixed(3),
      ]);
    }
    table(
      [
        "N",
        "virsh define ms/domain",
        "provider ms/domain",
        "provider/virsh (goal <= 1.2 at N=50)",
        "no-change read+diff ms/domain",
        "no-change/create (goal <= 0.1)",
      ],
      rows,
    );

    // The dev lab, as `pulumi up` and `pulumi refresh` would drive the providers (domains not started).
    closeSessions();
    const outs: { kind: "network" | "pool" | "volume" | "domain"; props: unknown }[] = [];
    const create = await counted(async () => {
      for (const n of lab.networks)
        outs.push({ kind: "network", props: (await ops.network.create(await checked(ops.network.check({}, networkInputs(uri, n))), quiet)).outs });
      outs.push({ kind: "pool", props: (await ops.pool.create(await checked(ops.pool.check({}, poolInputs(uri, lab.pool))), quiet)).outs });
      for (const v of lab.volumes)
        outs.push({ kind: "volume", props: (await ops.volume.create(await checked(ops.volume.check({}, volumeInputs(uri, v))), quiet)).outs });
      for (const vm of lab.vms)
        outs.push({
          kind: "domain",
          props: (await ops.domain.create(await checked(ops.domain.check({}, { ...domainInputs(uri, vm, lab), start: false })), quiet)).outs,
        });
    });
    const refresh = await counted(async () => {
      for (const o of outs) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind's read takes its own outputs
        const read = await (ops[o.kind].read as (id: string, p: any) => Promise<{ props?: { drift?: string[] } }>)("id", o.props);
        if (read.props?.drift) throw new Error(`no-change refresh found drift: ${read.props.drift.join("; ")}`);
      }
    });
    console.log("");
    table(
      ["dev lab (2 networks, pool, 4 volumes, 4 domains)", "virsh processes", "virsh commands (in the session)"],
      [
        ["create", String(create.processes), String(create.commands)],
        ["no-change refresh (read of every object)", String(refresh.processes), String(refresh.commands)],
      ],
    );
  } finally {
    closeSessions();
    await daemon.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
