import type { PhaseGraph } from "../phases/types";

/** The short names of the guest phases that run on each VM, in graph order (ids without the VM prefix). */
export function phasesByVm(graph: PhaseGraph): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const phase of graph.phases) {
    const prefix = `${phase.vm.toLowerCase()}-`;
    (out[phase.vm] ??= []).push(phase.id.startsWith(prefix) ? phase.id.slice(prefix.length) : phase.id);
  }
  return out;
}
