import * as pulumi from "@pulumi/pulumi";
import type { PoolSpec } from "../lab";
import { renderPoolXml } from "../libvirt/render";
import { LibvirtPool } from "../libvirt/resources";
import { childName } from "./naming";
import { logProviderNotes } from "./notes";

export interface LabStorageArgs {
  uri: string;
  pool: PoolSpec;
}

/** The lab's storage pool: a directory that holds every VM's disk. */
export class LabStorage extends pulumi.ComponentResource {
  public readonly pool: LibvirtPool;
  public readonly path: pulumi.Output<string>;

  constructor(name: string, args: LabStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:storage:LabStorage", name, {}, opts);
    const p = args.pool;
    this.pool = new LibvirtPool(
      childName(name, "pool"),
      {
        uri: args.uri,
        name: p.name,
        uuid: p.uuid,
        xml: renderPoolXml(p),
        active: p.active,
        autostart: p.autostart,
      },
      { parent: this },
    );
    logProviderNotes(this.pool);
    this.path = pulumi.output(p.path);
    this.registerOutputs({ path: this.path, uuid: this.pool.uuid });
  }
}
