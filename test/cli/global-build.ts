// jest globalSetup: every test that spawns a bin (homelab, homelab-winrm, npm run media) runs
// the compiled dist/, so it is brought up to date with the sources before any test starts.
import { ensureFreshBuild } from "./built";

export default function globalSetup(): void {
  ensureFreshBuild("lenient");
}
