// Runs index.ts under Pulumi's mocks (no CLI here) and records every registration the engine
// would see: type, name, parent, dependencies and inputs (secrets still marked as secrets).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readStackConfig, StackConfig } from "../../lab";
import { PROJECT_DIR } from "../support/stacks";
import { stageMediaFolder } from "../support/media-folder";

/** The ISOs and the pool's parent live under a temp folder, so the program's preflight passes for real. */
export const HOST_ROOT = mkdtempSync(join(tmpdir(), "homelab-program-"));

export function stageHostFiles(input: StackConfig): void {
  const c = input.config as Record<string, any>;
  const touch = (path: string): string => {
    const staged = join(HOST_ROOT, path);
    mkdirSync(dirname(staged), { recursive: true });
    writeFileSync(staged, "");
    return staged;
  };
  for (const vm of c.vms ?? []) {
    if (vm.iso) vm.iso = touch(vm.iso);
    if (vm.virtioIso) vm.virtioIso = touch(vm.virtioIso);
  }
  // The media folder holds every installer the manifest requires (stand-ins), so the preflight's folder check passes; pulumi up builds the ISO.
  if (c.media) c.media = { dir: stageMediaFolder(join(HOST_ROOT, c.media.dir)), iso: join(HOST_ROOT, c.media.iso) };
  // A staged KVM device, so kvm stacks pass the preflight on machines without /dev/kvm too.
  process.env.HOMELAB_KVM_DEVICE ??= touch("/dev/kvm");
  c.nvramDir = join(HOST_ROOT, c.nvramDir ?? "/var/lib/libvirt/qemu/nvram");
  mkdirSync(c.nvramDir, { recursive: true });
  if (c.pool?.path) {
    c.pool.path = join(HOST_ROOT, c.pool.path);
    mkdirSync(dirname(c.pool.path), { recursive: true });
  }
}

export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  dependencies: string[];
  custom: boolean;
  inputs: Record<string, unknown>;
  /** Resource options the engine acts on at a replacement: deleteBeforeReplace and replaceWith (URNs). */
  options: { deleteBeforeReplace: boolean; replaceWith: string[] };
}

export interface ProgramRun {
  registrations: Registration[];
  outputs?: Record<string, unknown>;
  error?: Error;
  /** Whether a recorded input carries the SDK's secret marker. */
  isSecret(value: unknown): boolean;
  byType(type: string): Registration[];
  byUrn(urn: string): Registration | undefined;
}

export async function runProgram(stack: string, change?: (config: Record<string, unknown>) => void, secrets: Record<string, string> = {}): Promise<ProgramRun> {
  const registrations: Registration[] = [];
  let outputs: Record<string, unknown> | undefined;
  let error: Error | undefined;
  {
    // A fresh module registry per run: a fresh Pulumi runtime, and index.ts evaluated again.
    await jest.isolateModulesAsync(async () => {
      await (async () => {
        const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
        const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
        const rpc = require("@pulumi/pulumi/runtime/rpc");
        const original = MockMonitor.prototype.registerResource;
        MockMonitor.prototype.registerResource = function (req: any, callback: any) {
          original.call(this, req, (err: unknown, response: any) => {
            if (!err) {
              registrations.push({
                type: req.getType(),
                name: req.getName(),
                urn: response.getUrn(),
                parent: req.getParent(),
                dependencies: req.getDependenciesList(),
                custom: req.getCustom(),
                inputs: rpc.deserializeProperties(req.getObject()),
                options: { deleteBeforeReplace: req.getDeletebeforereplace(), replaceWith: req.getReplaceWithList() },
              });
            }
            callback(err, response);
          });
        };
        await pulumi.runtime.setMocks(
          {
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
            call: (args) => args.inputs,
          },
          "homelab",
          stack,
          false,
        );
        const input = readStackConfig(PROJECT_DIR, stack);
        stageHostFiles(input);
        change?.(input.config);
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(input.config)) {
          if (input.secretKeys?.has(k)) continue;
          flat[`homelab:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
        }
        for (const [k, v] of Object.entries(secrets)) flat[`homelab:${k}`] = v;
        pulumi.runtime.setAllConfig(
          flat,
          Object.keys(secrets).map((k) => `homelab:${k}`),
        );
        try {
          const program = require("../../index");
          outputs = {};
          for (const [k, v] of Object.entries(program)) {
            outputs[k] = await new Promise((res) => pulumi.output(v as any).apply(res));
          }
          // Let every registration's RPC complete before the records are read.
          await (pulumi.runtime as any).waitForRPCs?.();
          await new Promise((r) => setTimeout(r, 50));
        } catch (err) {
          error = err as Error;
        }
        MockMonitor.prototype.registerResource = original;
      })().catch((err) => {
        error = err;
      });
    });
  }
  const { specialSigKey, specialSecretSig } = require("@pulumi/pulumi/runtime/rpc") as typeof import("@pulumi/pulumi/runtime/rpc");
  const isSecret = (value: unknown) => typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
  return {
    registrations,
    outputs,
    error,
    isSecret,
    byType: (type) => registrations.filter((r) => r.type === type),
    byUrn: (urn) => registrations.find((r) => r.urn === urn),
  };
}
