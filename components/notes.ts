// Provider notes ("applies at next boot", "the network needs a restart") logged against their resource.
import * as pulumi from "@pulumi/pulumi";
import type { CheckNote, ProviderNote } from "../libvirt/resources";

/** When this program run started: notes made before it belong to an earlier run (kept by a "same" step). */
const RUN_STARTED = Date.now();

/** The notes of this run's create or update, given the resource's notes output. */
export function newNotes(notes: ProviderNote[] | undefined, since: number = RUN_STARTED): ProviderNote[] {
  return (notes ?? []).filter((n) => typeof n?.at === "number" && n.at >= since && typeof n.message === "string");
}

/**
 * Logs each new note at its level, attached to the resource that made it; in a preview, where
 * nothing is made, what check foresees instead (the `note` the preview's outputs carry, see CheckNote).
 */
export function logProviderNotes(
  resource: pulumi.CustomResource & { notes: pulumi.Output<ProviderNote[] | undefined>; note: pulumi.Output<CheckNote | undefined> },
): void {
  resource.note.apply((note) => {
    if (pulumi.runtime.isDryRun() && typeof note === "string" && note !== "") pulumi.log.info(note, resource);
  });
  resource.notes.apply((notes) => {
    for (const note of newNotes(notes)) {
      if (note.level === "warn") pulumi.log.warn(note.message, resource);
      else pulumi.log.info(note.message, resource);
    }
  });
}
