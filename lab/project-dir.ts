// The project folder (the one holding Pulumi.yaml), found from this file whether it runs as
// TypeScript source or as the compiled copy under dist/.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function findProjectDir(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
    if (dirname(dir) === dir) return join(start, "..");
  }
}

export const PROJECT_DIR = findProjectDir(__dirname);
