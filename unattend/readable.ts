// The answer files as `npm run render` writes them: passwords replaced by a placeholder, so a
// user can read what Windows Setup will be told without any secret leaving Pulumi.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabSpec } from "../lab";
import { renderAnswerFiles } from "./answer-file";

/** Writes <out>/unattend/<VM>.xml for each Windows VM of an unattended lab; returns the paths relative to out. */
export function writeReadableAnswerFiles(spec: LabSpec, out: string): string[] {
  if (spec.guest.install !== "unattended") return [];
  const files = [...renderAnswerFiles(spec, "placeholder")];
  if (files.length === 0) return [];
  mkdirSync(join(out, "unattend"), { recursive: true });
  return files.map(([vm, xml]) => {
    const file = join("unattend", `${vm}.xml`);
    writeFileSync(join(out, file), xml);
    return file;
  });
}
