import * as pulumi from "@pulumi/pulumi";
import type { NetworkSpec } from "../lab";
import { renderNetworkXml } from "../libvirt/render";
import { LibvirtNetwork } from "../libvirt/resources";
import { childName } from "./naming";
import { logProviderNotes } from "./notes";

export interface LabNetworkArgs {
  /** libvirt connection URI. */
  uri: string;
  network: NetworkSpec;
}

/** One libvirt network of the lab: bridge, NAT/route/isolated forward, DHCP when libvirt serves it. */
export class LabNetwork extends pulumi.ComponentResource {
  public readonly network: LibvirtNetwork;
  public readonly bridge: pulumi.Output<string>;

  constructor(name: string, args: LabNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:network:LabNetwork", name, {}, opts);
    const n = args.network;
    this.network = new LibvirtNetwork(
      childName(name, "net"),
      {
        uri: args.uri,
        name: n.name,
        uuid: n.uuid,
        xml: renderNetworkXml(n),
        active: n.active,
        autostart: n.autostart,
      },
      { parent: this },
    );
    logProviderNotes(this.network);
    this.bridge = pulumi.output(n.bridge);
    this.registerOutputs({ bridge: this.bridge, uuid: this.network.uuid });
  }
}
