// The four dynamic providers as Pulumi serializes them. Pulumi ships a dynamic provider to its
// provider host as the text of its closure, so each method only loads ./ops by absolute path at
// run time (compiling TypeScript with ts-node when the host has no loader for it) and calls it:
// the closure holds two strings and one small function, never the virsh client or a parser.
import type * as pulumi from "@pulumi/pulumi";
import type * as Ops from "./ops";

const OPS_MODULE = require("node:path").join(__dirname, "ops") as string;

function loadOps(): typeof Ops {
  try {
    return require(OPS_MODULE);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "MODULE_NOT_FOUND" || !String(err.message).includes(OPS_MODULE)) throw e;
    // The provider host is plain node: teach it TypeScript, from the project's own ts-node.
    const tsNode = require(require.resolve("ts-node", { paths: [OPS_MODULE] }));
    tsNode.register({ transpileOnly: true, projectSearchDir: OPS_MODULE });
    return require(OPS_MODULE);
  }
}

type Kind = "network" | "pool" | "volume" | "domain";

/** The ops of one kind, seen through Pulumi's untyped provider signatures. */
interface UntypedOps {
  check(olds: object, news: object): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: object, news: object): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: object): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: object): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: object, news: object): Promise<pulumi.dynamic.UpdateResult>;
  remove(id: string, props: object): Promise<void>;
}

function providerFor(kind: Kind): pulumi.dynamic.ResourceProvider {
  const ops = (): UntypedOps => loadOps()[kind] as unknown as UntypedOps;
  return {
    check: (olds, news) => ops().check(olds, news),
    diff: (id, olds, news) => ops().diff(id, olds, news),
    create: (inputs) => ops().create(inputs),
    read: (id, props) => ops().read(id, props ?? {}),
    update: (id, olds, news) => ops().update(id, olds, news),
    delete: (id, props) => ops().remove(id, props),
  };
}

export const networkProvider = providerFor("network");
export const poolProvider = providerFor("pool");
export const volumeProvider = providerFor("volume");
export const domainProvider = providerFor("domain");

export { OPS_MODULE };
