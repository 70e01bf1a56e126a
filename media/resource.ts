// The media ISO as a resource of the lab: `pulumi up` checks the media folder and builds the ISO
// before the domains that attach it are created (issue 12), as `homelab media build` does by hand.
import * as pulumi from "@pulumi/pulumi";
import type { LabSpec } from "../lab";
import { mediaIsoProvider } from "./provider";

export interface MediaIsoArgs {
  dir: pulumi.Input<string>;
  iso: pulumi.Input<string>;
  /** "" for the project's media/media.lock.json. */
  lock: pulumi.Input<string>;
}

/** The ISO built from homelab:media.dir, rebuilt when the folder's listing (paths, sizes, times) changes. */
export class MediaIso extends pulumi.dynamic.Resource {
  declare public readonly fingerprint: pulumi.Output<string>;
  declare public readonly volumeId: pulumi.Output<string>;

  constructor(name: string, args: MediaIsoArgs, opts?: pulumi.CustomResourceOptions) {
    super(mediaIsoProvider, name, { ...args, fingerprint: undefined, volumeId: undefined }, opts, "homelab", "MediaIso");
  }
}

/** The MediaIso arguments from the spec (pure), or undefined when no VM attaches the media ISO. */
export function mediaIsoArgs(spec: LabSpec): MediaIsoArgs | undefined {
  const media = spec.media;
  if (!media || !spec.vms.some((vm) => vm.isos.media === media.iso)) return undefined;
  return { dir: media.dir, iso: media.iso, lock: media.lock ?? "" };
}

/** The lab's media ISO resource, if any VM attaches it; those VMs' domains depend on it. */
export function createMediaIso(parent: pulumi.Resource, name: string, spec: LabSpec, opts?: pulumi.CustomResourceOptions): MediaIso | undefined {
  const args = mediaIsoArgs(spec);
  return args ? new MediaIso(name, args, { ...opts, parent }) : undefined;
}
