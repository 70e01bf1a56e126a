// How every dynamic provider finds its code: Pulumi stores each provider as the text of its
// closure in the state, and Delete and Read run with the stored one, possibly after the checkout
// moved (issue 17, defect 1). So the closure holds no path: it loads the module relative to the
// folder the provider host runs in. Pulumi starts the pulumi-nodejs provider host in the project
// folder, and the host itself finds @pulumi/pulumi from there (pulumi/pulumi,
// sdk/nodejs/dist/pulumi-resource-pulumi-nodejs: `require.resolve` from the working directory).
//
// Pulumi serializes this function by value into each provider's closure (a local module is
// captured as a value), so it is self-contained: no import, no module-level value, no __dirname.
import type * as pulumi from "@pulumi/pulumi";

/**
 * Loads `<cwd>/dist/<relativePath>.js` (the build `npm ci` makes through prepare) unless its
 * TypeScript source was edited after it; else the source, through the host's own TypeScript
 * loader or the project's ts-node. `what` names the code in the error (e.g. "libvirt provider").
 */
export function loadProjectModule<T>(relativePath: string, what: string): T {
  const path = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  const cwd = process.cwd();
  const source = path.join(cwd, relativePath);
  const compiled = path.join(cwd, "dist", `${relativePath}.js`);
  const modified = (file: string): number | undefined => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  const built = modified(compiled);
  const edited = modified(`${source}.ts`);
  if (built !== undefined && (edited === undefined || edited <= built)) return require(compiled) as T;
  try {
    return require(require.resolve(source, { paths: [cwd] })) as T;
  } catch {
    try {
      // A plain node host: teach it TypeScript with the project's own ts-node.
      require(require.resolve("ts-node", { paths: [cwd] })).register({ transpileOnly: true, projectSearchDir: cwd });
      return require(require.resolve(source, { paths: [cwd] })) as T;
    } catch (e) {
      throw new Error(
        `the homelab ${what} code was not found under ${cwd} (looked for ${relativePath} and ts-node there): ` +
          `run pulumi from the project folder, the one with Pulumi.yaml and node_modules (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
      );
    }
  }
}

/** One resource type's operations in a provider module, seen through Pulumi's untyped provider signatures. */
type UntypedOps = Record<"check" | "diff" | "create" | "read" | "update" | "remove", (...args: unknown[]) => Promise<never>>;

/**
 * A dynamic provider whose every method loads `relativePath` (loadProjectModule) and calls the
 * operations exported under `key` (delete is their `remove`). The closure holds three strings.
 */
export function projectModuleProvider<M>(relativePath: string, what: string, key: keyof M & string): pulumi.dynamic.ResourceProvider {
  const ops = () => loadProjectModule<Record<string, UntypedOps>>(relativePath, what)[key];
  return {
    check: (olds, news) => ops().check(olds, news),
    diff: (id, olds, news) => ops().diff(id, olds, news),
    create: (inputs) => ops().create(inputs),
    read: (id, props) => ops().read(id, props ?? {}),
    update: (id, olds, news) => ops().update(id, olds, news),
    delete: (id, props) => ops().remove(id, props),
  };
}
