// A small Pulumi engine for this program's tests: it serves ResourceMonitor and Engine over gRPC,
// runs the program as the Node language host does, turns each registration into a step against
// the dynamic provider host or the local.Command stand-in, keeps state in a file, and prints a
// preview in Pulumi's manner. See README.md beside it for what it leaves out.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { COMMAND_TYPE, COMMAND_VERSION, CommandProvider, CommandRun } from "./command-provider";
import { DynamicProviderHost } from "./dynamic-host";
import type { PropertyMap, Value } from "./values";
import { changedKeys, changedPaths, containsUnknown, describeChanges, resecret, revealMap } from "./values";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any -- the SDK's generated stubs are untyped JavaScript */
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engproto = require("@pulumi/pulumi/proto/engine_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  id: string;
  inputs: PropertyMap;
  outputs: PropertyMap;
  dependencies: string[];
}

export interface StateFile {
  resources: ResourceState[];
}

export type StepOp = "create" | "update" | "replace" | "same" | "delete" | "refresh";

export interface Step {
  op: StepOp;
  urn: string;
  type: string;
  name: string;
  /** Top-level input keys that changed (the engine's `[diff: ...]`). */
  diff: string[];
  /** Nested paths that changed, as `pulumi preview --diff` shows them. */
  detail: string[];
  /** The same with old and new values ("path: old => new", secrets as [secret]). */
  changes?: string[];
  deleteBeforeReplace?: boolean;
  started: number;
  ended: number;
  error?: string;
}

export interface Diagnostic {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  /** The resource it is attached to; "" for none. */
  urn: string;
}

export interface RunResult {
  ok: boolean;
  steps: Step[];
  diagnostics: Diagnostic[];
  /** The provider host's own output (unattributed plugin output). */
  pluginOutput: string[];
  /** The program's stdout and stderr. */
  programOutput: string;
  /** The stack's outputs, as registered (secrets still wrapped). */
  outputs: PropertyMap;
  /** The preview or update, printed in Pulumi's manner. */
  printed: string;
  /** Every local.Command process started (argv, environment, times). */
  commandRuns: CommandRun[];
  error?: string;
}

export interface EngineOptions {
  /** The project folder: where Pulumi.yaml, package.json and node_modules are; plugins and the program run here. */
  projectDir: string;
  project: string;
  stack: string;
  /** Stack config as the CLI hands it to the language host: "ns:key" -> string (structured values as JSON). */
  config: Record<string, string>;
  /** Config keys ("ns:key") that are secrets. */
  secretKeys: string[];
  stateFile: string;
  /** Put before each local.Command's shell, e.g. nsenter into a test's network namespace. */
  commandPrefix?: string[];
  /** Extra environment for the program and the plugins. */
  env?: Record<string, string>;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

export function readState(file: string): StateFile {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as StateFile) : { resources: [] };
}

function writeState(file: string, state: StateFile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

const toStruct = (m: PropertyMap) => structproto.Struct.fromJavaScript(m);
const SEVERITY: Record<number, Diagnostic["severity"]> = { 0: "debug", 1: "info", 2: "warning", 3: "error" };

/** One program run (preview or up), or a refresh or destroy, against the state file. */
export class Engine {
  constructor(private readonly opts: EngineOptions) {}

  preview(): Promise<RunResult> {
    return this.runProgram(true);
  }

  up(): Promise<RunResult> {
    return this.runProgram(false);
  }

  private urnOf(type: string, name: string, parent: string): string {
    const qualified = parent && !parent.includes(`::${STACK_TYPE}::`) ? `${parent.split("::")[2]}$${type}` : type;
    return `urn:pulumi:${this.opts.stack}::${this.opts.project}::${qualified}::${name}`;
  }

  private async runProgram(dryRun: boolean): Promise<RunResult> {
    const old = readState(this.opts.stateFile);
    const oldByUrn = new Map(old.resources.map((r) => [r.urn, r]));
    const registered = new Map<string, ResourceState>();
    const order: string[] = [];
    const steps: Step[] = [];
    const diagnostics: Diagnostic[] = [];
    let failed: string | undefined;
    let stackOutputs: PropertyMap = {};
    let root = "";
    const engineAddress = { value: "" };
    const server = new grpc.Server();
    const commands = new CommandProvider({
      cwd: this.opts.projectDir,
      prefix: this.opts.commandPrefix ?? [],
      log: (urn, severity, message) => diagnostics.push({ severity, message, urn }),
    });
    // One plugin process per run, however many registrations ask for it at once.
    let starting: Promise<DynamicProviderHost> | undefined;
    let host: DynamicProviderHost | undefined;
    const dynamicHost = (): Promise<DynamicProviderHost> =>
      (starting ??= DynamicProviderHost.start(this.opts.projectDir, engineAddress.value).then((h) => (host = h)));

    const register = async (req: any): Promise<{ urn: string; id: string; outputs: PropertyMap }> => {
      const type: string = req.getType();
      const name: string = req.getName();
      const parent: string = req.getParent();
      const custom: boolean = req.getCustom();
      const urn = this.urnOf(type, name, parent);
      const inputs: PropertyMap = req.getObject()?.toJavaScript() ?? {};
      const deps = new Set<string>(req.getDependenciesList());
      for (const [, pd] of req.getPropertydependenciesMap().entries()) for (const u of pd.getUrnsList()) deps.add(u);
      const prior = oldByUrn.get(urn);
      const base = { urn, type, name, custom, parent, dependencies: [...deps].sort() };
      order.push(urn);
      if (!custom) {
        const state: ResourceState = { ...base, id: "", inputs, outputs: prior?.outputs ?? {} };
        registered.set(urn, state);
        steps.push({ op: prior ? "same" : "create", urn, type, name, diff: [], detail: [], started: Date.now(), ended: Date.now() });
        if (type === STACK_TYPE) root = urn;
        return { urn, id: "", outputs: {} };
      }
      const step: Step = { op: "same", urn, type, name, diff: [], detail: [], started: Date.now(), ended: 0 };
      steps.push(step);
      try {
        const state =
          type === COMMAND_TYPE
            ? await this.commandStep(commands, req, base, inputs, prior, step, dryRun)
            : type.startsWith("pulumi-nodejs:")
              ? await this.dynamicStep(await dynamicHost(), base, inputs, prior, step, dryRun)
              : undefined;
        if (!state) throw new Error(`the test engine has no provider for ${type}`);
        registered.set(urn, state);
        return { urn, id: state.id, outputs: state.outputs };
      } catch (e) {
        step.error = (e as Error).message;
        diagnostics.push({ severity: "error", message: step.error, urn });
        failed ??= `${urn}: ${step.error}`;
        // A failed update keeps what the state had.
        if (prior) registered.set(urn, prior);
        throw e;
      } finally {
        step.ended = Date.now();
      }
    };

    server.addService(resrpc.ResourceMonitorService, {
      getDeploymentInfo: (_call: any, cb: any) => {
        const info = new resproto.DeploymentInfo();
        // Secrets only: resource references and output values stay off, as for an older engine.
        info.setSupportedfeaturesList([resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_SECRETS]);
        cb(null, info);
      },
      supportsFeature: (call: any, cb: any) => {
        const res = new resproto.SupportsFeatureResponse();
        res.setHassupport(call.request.getId() === "secrets");
        cb(null, res);
      },
      registerResource: (call: any, cb: any) => {
        register(call.request).then(
          ({ urn, id, outputs }) => {
            const res = new resproto.RegisterResourceResponse();
            res.setUrn(urn);
            res.setId(id);
            res.setObject(toStruct(outputs));
            cb(null, res);
          },
          (e: Error) => cb({ code: grpc.status.UNKNOWN, details: e.message }),
        );
      },
      registerResourceOutputs: (call: any, cb: any) => {
        const urn: string = call.request.getUrn();
        const outputs: PropertyMap = call.request.getOutputs()?.toJavaScript() ?? {};
        const state = registered.get(urn);
        if (state) state.outputs = outputs;
        if (urn === root) stackOutputs = outputs;
        cb(null, new emptyproto.Empty());
      },
      registerPackage: (_call: any, cb: any) => {
        const res = new resproto.RegisterPackageResponse();
        res.setRef("");
        cb(null, res);
      },
      signalAndWaitForShutdown: (_call: any, cb: any) => cb(null, new emptyproto.Empty()),
    });
    server.addService(engrpc.EngineService, {
      log: (call: any, cb: any) => {
        diagnostics.push({ severity: SEVERITY[call.request.getSeverity()] ?? "info", message: call.request.getMessage(), urn: call.request.getUrn() });
        cb(null, new emptyproto.Empty());
      },
      getRootResource: (_call: any, cb: any) => {
        const res = new engproto.GetRootResourceResponse();
        res.setUrn(root);
        cb(null, res);
      },
      setRootResource: (call: any, cb: any) => {
        root = call.request.getUrn();
        cb(null, new engproto.SetRootResourceResponse());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    engineAddress.value = `127.0.0.1:${port}`;

    let programOutput = "";
    try {
      const code = await this.launch(engineAddress.value, dryRun, (s) => {
        programOutput += s;
      });
      if (code !== 0) failed ??= `the program exited with ${code}`;
      // Deletes of what the program no longer registers, in reverse order of the old state (dependents first).
      if (!failed) {
        for (const r of [...old.resources].reverse()) {
          if (registered.has(r.urn)) continue;
          const step: Step = { op: "delete", urn: r.urn, type: r.type, name: r.name, diff: [], detail: [], started: Date.now(), ended: 0 };
          steps.push(step);
          try {
            if (!dryRun) await this.deleteResource(r, commands, dynamicHost);
          } catch (e) {
            step.error = (e as Error).message;
            diagnostics.push({ severity: "error", message: step.error, urn: r.urn });
            failed ??= `${r.urn}: ${step.error}`;
            registered.set(r.urn, r);
            order.push(r.urn);
          }
          step.ended = Date.now();
        }
      }
    } finally {
      await starting?.catch(() => undefined);
      await host?.stop();
      server.forceShutdown();
    }
    if (!dryRun) {
      // What failed to register keeps its old state; the order is registration order (dependencies first).
      const kept = failed ? old.resources.filter((r) => !registered.has(r.urn)) : [];
      writeState(this.opts.stateFile, {
        resources: [...kept, ...order.filter((u, i) => order.indexOf(u) === i && registered.has(u)).map((u) => registered.get(u)!)],
      });
    }
    return {
      ok: !failed,
      steps,
      diagnostics,
      pluginOutput: host?.output ?? [],
      programOutput,
      outputs: stackOutputs,
      printed: printSteps(dryRun ? "Previewing update" : "Updating", this.opts, steps, diagnostics),
      commandRuns: commands.runs,
      error: failed,
    };
  }

  /** The program as pulumi-language-nodejs starts it: node on @pulumi/pulumi/cmd/run in the project folder. */
  private launch(engine: string, dryRun: boolean, output: (s: string) => void): Promise<number> {
    const run = require.resolve("@pulumi/pulumi/cmd/run", { paths: [this.opts.projectDir] });
    const args = [
      run,
      `--monitor=${engine}`,
      `--engine=${engine}`,
      `--organization=organization`,
      `--project=${this.opts.project}`,
      `--stack=${this.opts.stack}`,
      `--pwd=${this.opts.projectDir}`,
      `--root-directory=${this.opts.projectDir}`,
      "--parallel=16",
      ...(dryRun ? ["--dry-run"] : []),
      ".",
    ];
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...this.opts.env,
      PULUMI_CONFIG: JSON.stringify(this.opts.config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(this.opts.secretKeys),
      // Pulumi.yaml's runtime option typescript: true.
      PULUMI_NODEJS_TYPESCRIPT: "true",
      // ts-node without its type check (test/typecheck.test.ts checks the types once): a checked
      // compile of the project costs about 30 s per run on two cores.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    };
    // Jest's own TypeScript hooks must not leak into the program.
    delete env.NODE_OPTIONS;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: this.opts.projectDir, env, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.setEncoding("utf8").on("data", output);
      child.stderr.setEncoding("utf8").on("data", output);
      child.once("error", reject);
      child.once("close", (code) => resolve(code ?? 1));
    });
  }

  private async dynamicStep(
    host: DynamicProviderHost,
    base: Omit<ResourceState, "id" | "inputs" | "outputs">,
    inputs: PropertyMap,
    prior: ResourceState | undefined,
    step: Step,
    dryRun: boolean,
  ): Promise<ResourceState> {
    const plain = (m: PropertyMap) => (host.acceptsSecrets ? m : revealMap(m));
    const checked = await host.check(base.urn, prior ? plain(prior.inputs) : {}, plain(inputs));
    if (checked.failures.length > 0) throw new Error(checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
    const news = resecret(checked.inputs, inputs);
    if (!prior) {
      step.op = "create";
      if (dryRun) return { ...base, id: "", inputs: news, outputs: news };
      const made = await host.create(base.urn, plain(news));
      return { ...base, id: made.id, inputs: news, outputs: resecret(made.outputs, news) };
    }
    const answer = await host.diff(base.urn, prior.id, plain(prior.outputs), plain(news), plain(prior.inputs));
    step.diff = changedKeys(prior.inputs, news, ["__provider"]);
    step.detail = step.diff.flatMap((k) => changedPaths(prior.inputs[k], news[k], k));
    step.changes = step.diff.flatMap((k) => describeChanges(prior.inputs[k], news[k], k));
    const changes = answer.changes === "some" || (answer.changes === "unknown" && step.diff.length > 0);
    if (!changes) {
      // A "same" step keeps the old outputs.
      return { ...prior, ...base, inputs: news };
    }
    if (answer.replaces.length > 0) {
      step.op = "replace";
      step.deleteBeforeReplace = answer.deleteBeforeReplace;
      step.diff = [...new Set([...step.diff, ...answer.replaces])].sort();
      if (dryRun) return { ...base, id: prior.id, inputs: news, outputs: news };
      if (answer.deleteBeforeReplace) await host.delete(base.urn, prior.id, plain(prior.outputs), plain(prior.inputs));
      const made = await host.create(base.urn, plain(news));
      if (!answer.deleteBeforeReplace) await host.delete(base.urn, prior.id, plain(prior.outputs), plain(prior.inputs));
      return { ...base, id: made.id, inputs: news, outputs: resecret(made.outputs, news) };
    }
    step.op = "update";
    if (dryRun) return { ...base, id: prior.id, inputs: news, outputs: news };
    const outs = await host.update(base.urn, prior.id, plain(prior.outputs), plain(news), plain(prior.inputs));
    return { ...base, id: prior.id, inputs: news, outputs: resecret(outs, news) };
  }

  private async commandStep(
    provider: CommandProvider,
    req: any,
    base: Omit<ResourceState, "id" | "inputs" | "outputs">,
    inputs: PropertyMap,
    prior: ResourceState | undefined,
    step: Step,
    dryRun: boolean,
  ): Promise<ResourceState> {
    const version: string = req.getVersion();
    if (version && version !== COMMAND_VERSION) throw new Error(`the test engine emulates pulumi-command ${COMMAND_VERSION}, not ${version}`);
    if (containsUnknown(inputs) && !dryRun) throw new Error("an input is still unknown during an update");
    if (!prior) {
      step.op = "create";
      return { ...base, id: dryRun ? "" : `${base.name}-${Date.now().toString(16)}`, inputs, outputs: await provider.create(base.urn, inputs, dryRun) };
    }
    const d = provider.diff(prior.inputs, inputs);
    step.diff = d.changed;
    step.detail = d.changed.flatMap((k) => changedPaths(prior.inputs[k], inputs[k], k));
    step.changes = d.changed.flatMap((k) => describeChanges(prior.inputs[k], inputs[k], k));
    if (d.changed.length === 0) return { ...prior, ...base, inputs };
    if (d.replace) {
      // Create before delete: the Command has no delete-before-replace; its old `delete` runs afterwards.
      step.op = "replace";
      const outputs = await provider.create(base.urn, inputs, dryRun);
      if (!dryRun) await provider.delete(base.urn, prior.outputs);
      return { ...base, id: dryRun ? prior.id : `${base.name}-${Date.now().toString(16)}`, inputs, outputs };
    }
    step.op = "update";
    return { ...base, id: prior.id, inputs, outputs: await provider.update(base.urn, prior.outputs, inputs, dryRun) };
  }

  private async deleteResource(r: ResourceState, commands: CommandProvider, dynamicHost: () => Promise<DynamicProviderHost>): Promise<void> {
    if (!r.custom) return;
    if (r.type === COMMAND_TYPE) return commands.delete(r.urn, r.outputs);
    const host = await dynamicHost();
    const plain = (m: PropertyMap) => (host.acceptsSecrets ? m : revealMap(m));
    // The provider comes from the stored outputs (__provider): the code serialized at the last create or update.
    await host.delete(r.urn, r.id, plain(r.outputs), plain(r.inputs));
  }

  /** `pulumi destroy`: every resource in reverse order of the state (dependents first), with the providers stored in it. */
  async destroy(): Promise<RunResult> {
    return this.withoutProgram("Destroying", async (state, ctx) => {
      const left: ResourceState[] = [];
      for (const r of [...state.resources].reverse()) {
        const step: Step = { op: "delete", urn: r.urn, type: r.type, name: r.name, diff: [], detail: [], started: Date.now(), ended: 0 };
        ctx.steps.push(step);
        try {
          await this.deleteResource(r, ctx.commands, ctx.dynamicHost);
        } catch (e) {
          step.error = (e as Error).message;
          ctx.diagnostics.push({ severity: "error", message: step.error, urn: r.urn });
          left.unshift(r);
        }
        step.ended = Date.now();
      }
      return { resources: left };
    });
  }

  /** `pulumi refresh`: Read each custom resource with its stored provider; what is gone leaves the state. */
  async refresh(): Promise<RunResult> {
    return this.withoutProgram("Refreshing", async (state, ctx) => {
      const kept: ResourceState[] = [];
      for (const r of state.resources) {
        if (!r.custom || r.type === COMMAND_TYPE) {
          kept.push(r);
          continue;
        }
        const step: Step = { op: "refresh", urn: r.urn, type: r.type, name: r.name, diff: [], detail: [], started: Date.now(), ended: 0 };
        ctx.steps.push(step);
        try {
          const host = await ctx.dynamicHost();
          const plain = (m: PropertyMap) => (host.acceptsSecrets ? m : revealMap(m));
          const read = await host.read(r.urn, r.id, plain(r.outputs), plain(r.inputs));
          if (!read.id) {
            step.op = "delete";
            step.ended = Date.now();
            continue;
          }
          const outputs = resecret(read.outputs, r.inputs);
          step.diff = changedKeys(r.outputs, outputs, ["__provider"]);
          kept.push({ ...r, id: read.id, outputs, inputs: read.inputs ? resecret(read.inputs, r.inputs) : r.inputs });
        } catch (e) {
          step.error = (e as Error).message;
          ctx.diagnostics.push({ severity: "error", message: step.error, urn: r.urn });
          kept.push(r);
        }
        step.ended = Date.now();
      }
      return { resources: kept };
    });
  }

  private async withoutProgram(
    title: string,
    body: (
      state: StateFile,
      ctx: { steps: Step[]; diagnostics: Diagnostic[]; commands: CommandProvider; dynamicHost: () => Promise<DynamicProviderHost> },
    ) => Promise<StateFile>,
  ): Promise<RunResult> {
    const state = readState(this.opts.stateFile);
    const steps: Step[] = [];
    const diagnostics: Diagnostic[] = [];
    const server = new grpc.Server();
    server.addService(engrpc.EngineService, {
      log: (call: any, cb: any) => {
        diagnostics.push({ severity: SEVERITY[call.request.getSeverity()] ?? "info", message: call.request.getMessage(), urn: call.request.getUrn() });
        cb(null, new emptyproto.Empty());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    let starting: Promise<DynamicProviderHost> | undefined;
    let host: DynamicProviderHost | undefined;
    const commands = new CommandProvider({
      cwd: this.opts.projectDir,
      prefix: this.opts.commandPrefix ?? [],
      log: (urn, severity, message) => diagnostics.push({ severity, message, urn }),
    });
    try {
      const dynamicHost = () => (starting ??= DynamicProviderHost.start(this.opts.projectDir, `127.0.0.1:${port}`).then((h) => (host = h)));
      const next = await body(state, { steps, diagnostics, commands, dynamicHost });
      writeState(this.opts.stateFile, next);
    } finally {
      await host?.stop();
      server.forceShutdown();
    }
    const failed = steps.find((s) => s.error);
    return {
      ok: !failed,
      steps,
      diagnostics,
      pluginOutput: host?.output ?? [],
      programOutput: "",
      outputs: {},
      printed: printSteps(title, this.opts, steps, diagnostics),
      commandRuns: commands.runs,
      error: failed ? `${failed.urn}: ${failed.error}` : undefined,
    };
  }
}

const SYMBOL: Record<StepOp, string> = { create: "+", update: "~", replace: "+-", same: " ", delete: "-", refresh: "~" };
const VERB: Record<StepOp, string> = { create: "create", update: "update", replace: "replace", same: "", delete: "delete", refresh: "refresh" };

/** Steps in Pulumi's manner: a tree by parent, the plan per resource, its diff, its messages, then the counts. */
export function printSteps(title: string, opts: Pick<EngineOptions, "project" | "stack">, steps: Step[], diagnostics: Diagnostic[]): string {
  const lines = [`${title} (${opts.stack})`, "", `     ${"Type".padEnd(48)} ${"Name".padEnd(36)} Plan`];
  for (const s of steps) {
    const plan = s.op === "replace" && s.deleteBeforeReplace ? "replace (delete before replace)" : VERB[s.op];
    const diff = s.diff.length > 0 ? ` [diff: ${s.diff.map((k) => `~${k}`).join(",")}]` : "";
    const depth = s.urn.split("::")[2].split("$").length - 1;
    lines.push(
      ` ${SYMBOL[s.op].padEnd(3)} ${`${"  ".repeat(depth)}${depth > 0 ? "└─ " : ""}${s.type}`.padEnd(48)} ${s.name.padEnd(36)} ${plan}${diff}${s.error ? "  **failed**" : ""}`,
    );
    for (const c of s.changes ?? []) lines.push(`       ~ ${c}`);
  }
  const attached = diagnostics.filter((d) => d.severity !== "debug");
  if (attached.length > 0) {
    lines.push("", "Diagnostics:");
    for (const [urn, ds] of groupBy(attached, (d) => d.urn)) {
      lines.push(`  ${urn ? urn.split("::").slice(2).join("::") : "(no resource)"}:`);
      for (const d of ds) lines.push(`    ${d.severity}: ${d.message.split("\n")[0]}`);
    }
  }
  const count = (op: StepOp) => steps.filter((s) => s.op === op).length;
  lines.push("", "Resources:");
  for (const [op, label] of [
    ["create", "to create"],
    ["update", "to update"],
    ["replace", "to replace"],
    ["delete", "to delete"],
  ] as [StepOp, string][]) {
    if (count(op) > 0) lines.push(`    ${SYMBOL[op]} ${count(op)} ${label}`);
  }
  if (count("same") > 0) lines.push(`    ${count("same")} unchanged`);
  return lines.join("\n");
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

/** The value stored for a key, secrets revealed: for assertions. */
export const plainValue = (v: Value | undefined): Value => revealMap({ v: v ?? null }).v;
