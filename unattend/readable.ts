// The answer files as `homelab render` writes them: passwords replaced by a placeholder, so a
// user can read what Windows Setup will be told without any secret leaving Pulumi.
import type { LabSpec } from "../lab";
import { renderAnswerFiles } from "./answer-file";

/** unattend/<VM>.xml for each Windows VM of an unattended lab, as files relative to render's folder. */
export function readableAnswerFiles(spec: LabSpec): { path: string; content: string }[] {
  if (spec.guest.install !== "unattended") return [];
  return [...renderAnswerFiles(spec, "placeholder")].map(([vm, xml]) => ({ path: `unattend/${vm}.xml`, content: xml }));
}
