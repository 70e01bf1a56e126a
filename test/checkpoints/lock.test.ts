// The lock files on a real file system: exclusive, all-or-nothing over several VMs, released by
// their owner only, taken over when their process has ended.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { layout } from "../../checkpoints/layout";
import { LockedError, lockVms } from "../../checkpoints/lock";

describe("VM locks", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "homelab-locks-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("a second holder is refused; after release it gets the lock", async () => {
    const lay = layout(dir);
    const a = await lockVms(lay, ["SCCM01"], { operation: "checkpoint revert x" });
    expect(JSON.parse(readFileSync(lay.lock("SCCM01"), "utf8"))).toEqual({
      pid: process.pid,
      host: hostname(),
      operation: "checkpoint revert x",
      since: expect.any(String),
    });
    await expect(lockVms(lay, ["SCCM01"], { operation: "checkpoint revert y" })).rejects.toThrow(LockedError);
    a.release();
    const b = await lockVms(lay, ["SCCM01"], { operation: "checkpoint revert y" });
    b.release();
    expect(existsSync(lay.lock("SCCM01"))).toBe(false);
  });

  test("several VMs: all or none", async () => {
    const lay = layout(dir);
    const held = await lockVms(lay, ["SQL01"], { operation: "phase sql01-sql-install (pulumi up)" });
    await expect(lockVms(lay, ["SCCM01", "SQL01"], { operation: "checkpoint revert x" })).rejects.toThrow(
      "SQL01 is locked by phase sql01-sql-install (pulumi up)",
    );
    // SCCM01 (taken first, in name order) was given back.
    expect(existsSync(lay.lock("SCCM01"))).toBe(false);
    held.release();
  });

  test("a lock left by a process that has ended is taken over", async () => {
    const lay = layout(dir);
    const dead = spawnSync("true").pid!;
    mkdirSync(lay.locks, { recursive: true });
    writeFileSync(lay.lock("DC01"), JSON.stringify({ pid: dead, host: hostname(), operation: "checkpoint create crashed", since: "2026-01-01T00:00:00.000Z" }));
    const held = await lockVms(lay, ["DC01"], { operation: "checkpoint revert x" });
    expect(JSON.parse(readFileSync(lay.lock("DC01"), "utf8")).operation).toBe("checkpoint revert x");
    held.release();
  });

  test("a lock from another host is never taken over", async () => {
    const lay = layout(dir);
    mkdirSync(lay.locks, { recursive: true });
    writeFileSync(
      lay.lock("DC01"),
      JSON.stringify({ pid: 1, host: "other-host", operation: "phase dc01-ad-forest (pulumi up)", since: "2026-01-01T00:00:00.000Z" }),
    );
    await expect(lockVms(lay, ["DC01"], { operation: "x" })).rejects.toThrow(
      "DC01 is locked by phase dc01-ad-forest (pulumi up) (pid 1 on other-host, since 2026-01-01T00:00:00.000Z)",
    );
  });

  test("--wait: waits for the holder, then takes the lock", async () => {
    const lay = layout(dir);
    const first = await lockVms(lay, ["DC01"], { operation: "a" });
    const waits: string[] = [];
    setTimeout(() => first.release(), 300);
    const second = await lockVms(lay, ["DC01"], { operation: "b", waitMs: 10_000, pollMs: 50, onWait: (vm, o) => waits.push(`${vm} ${o?.operation}`) });
    expect(waits).toEqual(["DC01 a"]);
    second.release();
  });
});
