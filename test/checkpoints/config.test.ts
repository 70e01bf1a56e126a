// homelab:checkpoints: auto by default, off on request, anything else named with the fix.
import { loadLabSpec } from "../../lab";
import { stackConfig } from "../support/stacks";

describe("homelab:checkpoints", () => {
  test("defaults to auto", () => {
    const result = loadLabSpec(stackConfig("dev"));
    expect(result.ok && result.spec.guest.checkpoints).toBe("auto");
  });
  test("off turns the automatic checkpoints off", () => {
    const cfg = stackConfig("dev");
    cfg.config.checkpoints = "off";
    const result = loadLabSpec(cfg);
    expect(result.ok && result.spec.guest.checkpoints).toBe("off");
  });
  test("another value is an error naming the key and the choices", () => {
    const cfg = stackConfig("dev");
    cfg.config.checkpoints = "sometimes";
    const result = loadLabSpec(cfg);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      {
        path: "homelab:checkpoints",
        message: expect.stringContaining(
          "must be auto (checkpoint the VMs before SQL setup and the ConfigMgr site install, revert and retry once on failure) or off",
        ),
      },
    ]);
  });
});
