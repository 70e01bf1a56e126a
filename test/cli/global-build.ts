// jest globalSetup: first the machine check (test/support/required-tools.js), then every test
// that spawns a bin (homelab, homelab-winrm, npm run media) runs the compiled dist/, so it is
// brought up to date with the sources before any test starts.
import { ensureFreshBuild } from "./built";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requiredTools = require("../support/required-tools.js") as () => Promise<void>;

export default async function globalSetup(): Promise<void> {
  await requiredTools();
  ensureFreshBuild("lenient");
}
