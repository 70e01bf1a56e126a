// The BaseImage dynamic provider as Pulumi ships it: it loads ./build by absolute path at run time
// (as unattend/provider/index.ts does), so the serialized closure holds a path, not the modules.
import type * as pulumi from "@pulumi/pulumi";
import type * as Build from "./build";

const BUILD = require("node:path").join(__dirname, "build") as string;

function load(): typeof Build {
  try {
    return require(BUILD);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "MODULE_NOT_FOUND" || !String(err.message).includes(BUILD)) throw e;
    require(require.resolve("ts-node", { paths: [BUILD] })).register({ transpileOnly: true, projectSearchDir: BUILD });
    return require(BUILD);
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
