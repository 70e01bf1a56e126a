// The BaseImage dynamic provider as Pulumi ships it. Delete and Read run with the provider stored at
// the last create or update, possibly from another checkout, so the serialized closure holds no path:
// it finds ./build from the folder the provider host runs in (the project folder), as
// unattend/provider/index.ts and libvirt/resources.ts do.
import type * as pulumi from "@pulumi/pulumi";
import type * as Build from "./build";

function load(): typeof Build {
  const path = require("node:path") as typeof import("node:path");
  const cwd = process.cwd();
  const build = path.join(cwd, "base-images", "build");
  try {
    return require(require.resolve(build, { paths: [cwd] }));
  } catch {
    try {
      require(require.resolve("ts-node", { paths: [cwd] })).register({ transpileOnly: true, projectSearchDir: cwd });
      return require(require.resolve(build, { paths: [cwd] }));
    } catch (e) {
      throw new Error(
        `the homelab base image provider code was not found under ${cwd} (looked for base-images/build and ts-node there): ` +
          `run pulumi from the project folder, the one with Pulumi.yaml and node_modules (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
      );
    }
  }
}

function providerOf(): pulumi.dynamic.ResourceProvider {
  // Pulumi's provider signatures are untyped; build.ts holds the typed ones (and logs through Pulumi by default).
  const ops = () => load().baseImageOps as unknown as Record<string, (...args: unknown[]) => Promise<never>>;
  return {
    check: (olds, news) => ops().check(olds, news),
    diff: (id, olds, news) => ops().diff(id, olds, news),
    create: (inputs) => ops().create(inputs),
    read: (id, props) => ops().read(id, props ?? {}),
    update: (id, olds, news) => ops().update(id, olds, news),
    delete: (id, props) => ops().remove(id, props),
  };
}

export const baseImageProvider = providerOf();

function cloneDiskProviderOf(): pulumi.dynamic.ResourceProvider {
  const ops = () => load().cloneDiskOps as unknown as Record<string, (...args: unknown[]) => Promise<never>>;
  return {
    check: (olds, news) => ops().check(olds, news),
    diff: (id, olds, news) => ops().diff(id, olds, news),
    create: (inputs) => ops().create(inputs),
    read: (id, props) => ops().read(id, props ?? {}),
    update: (id, olds, news) => ops().update(id, olds, news),
    delete: (id, props) => ops().remove(id, props),
  };
}

export const cloneDiskProvider = cloneDiskProviderOf();
