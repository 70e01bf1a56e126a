// What `render` writes, as data: every libvirt object's XML, the phase plan and the topology's
// Graphviz source. Pure, so the property test runs exactly what the command runs.
import { phasesByVm } from "../diagram/phases";
import { topologyDot } from "../diagram/topology";
import type { LabSpec } from "../lab";
import { renderLab } from "../libvirt/render";
import type { MediaManifest } from "../media/manifest-schema";
import { buildPhaseGraph, checkPhaseGraph, topologicalLevels } from "../phases/graph";
import { readableAnswerFiles } from "../unattend/readable";

export interface RenderedFile {
  path: string;
  content: string;
}

export function renderFiles(spec: LabSpec, manifest: MediaManifest): RenderedFile[] {
  const files: RenderedFile[] = renderLab(spec).map((o) => ({ path: `${o.kind}-${o.name}.xml`, content: o.xml }));
  const graph = buildPhaseGraph(spec, manifest);
  checkPhaseGraph(graph);
  const waves = topologicalLevels(graph).map((wave) => wave.map((p) => p.id));
  files.push({ path: "phases.json", content: JSON.stringify({ stack: spec.stack, waves, phases: graph.phases }, null, 2) + "\n" });
  files.push(...readableAnswerFiles(spec));
  files.push({ path: "topology.dot", content: topologyDot(spec, phasesByVm(graph)) });
  return files;
}
