// The unattended install's dynamic providers as Pulumi ships them: each method loads ./ops by
// absolute path at run time (registering ts-node when the provider host cannot load TypeScript),
// so the serialized closure holds a path and a small loader, not the modules themselves.
import type * as pulumi from "@pulumi/pulumi";
import type * as Ops from "./ops";

const UNATTEND_OPS = require("node:path").join(__dirname, "ops") as string;

function loadUnattendOps(): typeof Ops {
  try {
    return require(UNATTEND_OPS);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "MODULE_NOT_FOUND" || !String(err.message).includes(UNATTEND_OPS)) throw e;
    require(require.resolve("ts-node", { paths: [UNATTEND_OPS] })).register({ transpileOnly: true, projectSearchDir: UNATTEND_OPS });
    return require(UNATTEND_OPS);
  }
}

function providerOf(kind: "media" | "wait"): pulumi.dynamic.ResourceProvider {
  // Pulumi's provider signatures are untyped; ops.ts holds the typed ones.
  const ops = () => loadUnattendOps()[kind] as unknown as Record<string, (...args: unknown[]) => Promise<never>>;
  return {
    check: (olds, news) => ops().check(olds, news),
    diff: (id, olds, news) => ops().diff(id, olds, news),
    create: (inputs) => ops().create(inputs),
    read: (id, props) => ops().read(id, props ?? {}),
    update: (id, olds, news) => ops().update(id, olds, news),
    delete: (id, props) => ops().remove(id, props),
  };
}

export const installMediaProvider = providerOf("media");
export const installWaitProvider = providerOf("wait");
