// The media ISO's dynamic provider as Pulumi ships it. Delete and Read run with the provider stored
// at the last create or update, possibly from another checkout, so the serialized closure holds no
// path: it finds ./ops from the folder the provider host runs in (Pulumi starts the pulumi-nodejs
// plugin in the project folder), registering the project's ts-node when the host cannot load
// TypeScript. The same pattern as unattend/provider/index.ts (to be folded into one loader).
import type * as pulumi from "@pulumi/pulumi";
import type * as Ops from "./ops";

function loadMediaOps(): typeof Ops {
  const path = require("node:path") as typeof import("node:path");
  const cwd = process.cwd();
  const ops = path.join(cwd, "media", "provider", "ops");
  try {
    return require(require.resolve(ops, { paths: [cwd] }));
  } catch {
    try {
      require(require.resolve("ts-node", { paths: [cwd] })).register({ transpileOnly: true, projectSearchDir: cwd });
      return require(require.resolve(ops, { paths: [cwd] }));
    } catch (e) {
      throw new Error(
        `the homelab media provider code was not found under ${cwd} (looked for media/provider/ops and ts-node there): ` +
          `run pulumi from the project folder, the one with Pulumi.yaml and node_modules (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
      );
    }
  }
}

// Pulumi's provider signatures are untyped; ops.ts holds the typed ones.
const ops = () => loadMediaOps().mediaIso as unknown as Record<string, (...args: unknown[]) => Promise<never>>;

export const mediaIsoProvider: pulumi.dynamic.ResourceProvider = {
  check: (olds, news) => ops().check(olds, news),
  diff: (id, olds, news) => ops().diff(id, olds, news),
  create: (inputs) => ops().create(inputs),
  read: (id, props) => ops().read(id, props ?? {}),
  update: (id, olds, news) => ops().update(id, olds, news),
  delete: (id, props) => ops().remove(id, props),
};
