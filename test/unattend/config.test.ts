// homelab:install and homelab:installTimeoutMinutes: defaults, and bad values named by config path.
import { loadLabSpec } from "../../lab";
import { stackConfig } from "../support/stacks";

const withConfig = (extra: Record<string, unknown>) => {
  const input = stackConfig("minimal");
  return loadLabSpec({ ...input, config: { ...input.config, ...extra } });
};

test("unattended is the default, with no timeout override", () => {
  const r = withConfig({});
  if (!r.ok) throw new Error("minimal does not load");
  expect(r.spec.guest.install).toBe("unattended");
  expect(r.spec.guest.installTimeoutMinutes).toBeUndefined();
});

test("manual and a timeout are taken as given", () => {
  const r = withConfig({ install: "manual", installTimeoutMinutes: 45 });
  if (!r.ok) throw new Error("minimal does not load");
  expect(r.spec.guest.install).toBe("manual");
  expect(r.spec.guest.installTimeoutMinutes).toBe(45);
});

test.each([
  [{ install: "auto" }, "homelab:install", "must be unattended (answer file, no hands) or manual (you install Windows yourself)"],
  [{ installTimeoutMinutes: 0 }, "homelab:installTimeoutMinutes", "must be at least 1"],
  [{ installTimeoutMinutes: 2.5 }, "homelab:installTimeoutMinutes", "must be a whole number of minutes"],
])("%j is refused at its config path", (extra, path, message) => {
  const r = withConfig(extra);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.errors.map((e) => [e.path, e.message])).toEqual([[path, expect.stringContaining(message)]]);
});
