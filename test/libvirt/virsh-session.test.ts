// The long-lived virsh session: reply delimiting, quoting, serialization, restart and fallback,
// against the real virsh (libvirt's test driver needs no daemon) and small stand-in binaries.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanReply, closeSessions, quoteArg, sessionFor, VirshSession } from "../../libvirt/virsh-session";
import { Virsh, VirshError, virshProcessCount } from "../../libvirt/virsh";

afterEach(() => closeSessions());

describe("pure parts", () => {
  test("arguments are single-quoted the way virsh's parser reads them; a line break cannot be sent", () => {
    expect(quoteArg("dumpxml")).toBe("'dumpxml'");
    expect(quoteArg("a b")).toBe("'a b'");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(() => quoteArg("two\nlines")).toThrow('an argument spans lines: "two\\nlines"');
  });

  test.each([
    ["prompt and echoes", "virsh # 'list'\nDC01\nvirsh # echo --err M\nvirsh # echo --shell \"M end\"\n", "DC01\n"],
    ["no echo at all", "DC01\n", "DC01\n"],
    ["a non-root prompt", "virsh $ 'list'\nDC01\nvirsh $ echo --err M\nvirsh $ echo --shell \"M end\"\n", "DC01\n"],
    ["an empty reply", "virsh # 'list'\nvirsh # echo --err M\nvirsh # echo --shell \"M end\"\n", ""],
    ["a redrawn line", "virsh # 'li\r\u001b[Avirsh # 'list'\u001b[K\nDC01\n", undefined],
  ])("cleanReply: %s", (_what, segment, expected) => {
    expect(cleanReply(segment, "'list'", ["echo --err M", 'echo --shell "M end"'])).toBe(expected);
  });
});

describe("a session with the real virsh", () => {
  test("many commands, one process: the test driver keeps what was defined between commands", async () => {
    const s = new VirshSession("virsh", "test:///default");
    try {
      const xml = join(mkdtempSync(join(tmpdir(), "sess-")), "n.xml");
      writeFileSync(xml, "<network><name>sess-net</name><bridge name='virbr77'/></network>", { mode: 0o600 });
      expect(await s.run(["net-define", xml], 5000)).toMatchObject({ failed: false });
      // Another process would not see it: libvirt's test driver forgets between processes.
      expect((await s.run(["net-list", "--all", "--name"], 5000)).stdout.split("\n").filter(Boolean).sort()).toEqual(["default", "sess-net"]);
      expect(await s.run(["net-info", "nosuch"], 5000)).toEqual({
        stdout: "",
        stderr: "error: failed to get network 'nosuch'\nerror: Network not found: no network with matching name 'nosuch'\n",
        failed: true,
      });
      expect((await s.run(["echo", "it's a 'quoted' arg", "x y"], 5000)).stdout).toBe("it's a 'quoted' arg x y");
      expect(s.spawned).toBe(1);
    } finally {
      s.close();
    }
  });

  test("commands sent at once are answered in order, each with its own reply", async () => {
    const s = new VirshSession("virsh", "test:///default");
    try {
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => s.run(["echo", `reply-${i}`], 10_000)));
      expect(replies.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `reply-${i}`));
      expect(s.spawned).toBe(1);
    } finally {
      s.close();
    }
  });

  test("a session that died is started again for the next command", async () => {
    const s = new VirshSession("virsh", "test:///default");
    try {
      expect((await s.run(["domstate", "test"], 5000)).stdout).toBe("running\n");
      s.close();
      expect((await s.run(["domstate", "test"], 5000)).stdout).toBe("running\n");
      expect(s.spawned).toBe(2);
    } finally {
      s.close();
    }
  });

  test("the Virsh client in session mode: same answers and errors as one process per call", async () => {
    const before = virshProcessCount();
    const v = new Virsh({ uri: "test:///default", session: true });
    expect(await v.domainUuid("test")).toBe("6695eb01-f6a4-8304-79aa-97f2502e193f");
    expect(await v.networkInfo("nosuch")).toBeUndefined();
    await expect(v.domainState("nosuch")).rejects.toThrow(
      "libvirt could not read the state of domain nosuch on test:///default: it does not exist there (failed to get domain 'nosuch')",
    );
    expect(virshProcessCount() - before).toBe(1);
    expect(sessionFor("virsh", "test:///default").spawned).toBe(1);
  });

  test("a daemon that is not there: not-connected, with the hint", async () => {
    const gone = new Virsh({ uri: "qemu:///system?socket=/nonexistent/libvirt-sock", session: true });
    const err = await gone.listDomains().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VirshError);
    expect((err as VirshError).failure).toBe("not-connected");
  });
});

describe("stand-ins: bounds and fallback", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "virsh-session-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  test("a session that does not answer is killed after the bound and says so", async () => {
    const mute = new Virsh({ binary: script("mute", "cat > /dev/null"), timeoutMs: 300, session: true });
    const started = Date.now();
    await expect(mute.version()).rejects.toThrow(
      "libvirt could not ask the version of hypervisor qemu:///system on qemu:///system: virsh did not answer within 300 ms",
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("a binary that cannot hold a session: each command falls back to a process of its own, argv as before", async () => {
    const log = join(dir, "argv.log");
    // With a command it answers; without one (a session) it exits silently.
    const once = script("once", `[ $# -le 3 ] && exit 0; echo "$@" >> ${log}; echo "Using library: libvirt 9.0.0"`);
    const v = new Virsh({ binary: once, uri: "qemu+ssh://lab@host/system", session: true });
    expect(await v.version()).toEqual({ library: "9.0.0", hypervisor: undefined });
    expect(readFileSync(log, "utf8")).toBe("-c qemu+ssh://lab@host/system -q version\n");
  });

  test("no virsh on PATH: the fallback says which package to install", async () => {
    await expect(new Virsh({ binary: join(dir, "no-virsh"), session: true }).version()).rejects.toThrow(/is not installed \(install libvirt-clients\)/);
  });
});
