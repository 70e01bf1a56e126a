// Jest's globalSetup: before any test runs, print the Node.js in use and fail at once, with the
// install line, when this machine lacks a tool the tests use (instead of dozens of unrelated
// failures later). The list is .ci/debian-packages.txt, the same one .ci/run installs.
const { accessSync, constants, readFileSync } = require("node:fs");
const { delimiter, join } = require("node:path");

// HOMELAB_TEST_PACKAGES_FILE exists for the test that proves the suite stops on a missing package.
const PACKAGES_FILE = process.env.HOMELAB_TEST_PACKAGES_FILE ?? join(__dirname, "..", "..", ".ci", "debian-packages.txt");
const MIN_NODE_MAJOR = 22;

/** [{ pkg, probe }] from the packages file's text. */
function parsePackages(text) {
  const out = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [pkg, probe] = line.split(/\s+/);
    if (!probe || !/^(cmd|file):/.test(probe)) throw new Error(`${PACKAGES_FILE}: "${line}" needs a probe (cmd:NAME or file:/path)`);
    out.push({ pkg, probe });
  }
  return out;
}

function isPresent(path) {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function probeFound(probe, env = process.env, exists = isPresent) {
  const [kind, what] = [probe.slice(0, probe.indexOf(":")), probe.slice(probe.indexOf(":") + 1)];
  if (kind === "file") return exists(what);
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  return dirs.some((d) => exists(join(d, what)));
}

/** What stops the suite before it starts: one message, or undefined when all is there. */
function problems({ packages, nodeVersion, uid, env, exists }) {
  const out = [];
  const major = Number(/^v?(\d+)/.exec(nodeVersion)?.[1]);
  if (!(major >= MIN_NODE_MAJOR)) {
    out.push(`Node.js ${nodeVersion} is not supported: use a maintained LTS line, ${MIN_NODE_MAJOR} or 24 (sudo bash .ci/run installs the pinned one)`);
  }
  if (uid !== 0) {
    out.push(
      "the tests start a private libvirtd in its own network, mount and pid namespaces (unshare), which needs root: run them as root (sudo bash .ci/run, or sudo npm test)",
    );
  }
  const missing = [...new Set(packages.filter((p) => !probeFound(p.probe, env, exists)).map((p) => p.pkg))];
  if (missing.length) {
    out.push(
      `missing Debian packages: ${missing.join(" ")}\n  install them with: sudo apt-get install -y --no-install-recommends ${missing.join(" ")}\n  (or run sudo bash .ci/run, which installs every package the tests use and runs them)`,
    );
  }
  return out.length ? `the tests cannot run on this machine:\n- ${out.join("\n- ")}` : undefined;
}

module.exports = async function requiredTools() {
  process.stdout.write(`\nnode ${process.version} (${process.execPath})\n`);
  const message = problems({
    packages: parsePackages(readFileSync(PACKAGES_FILE, "utf8")),
    nodeVersion: process.version,
    uid: process.getuid(),
    env: process.env,
    exists: isPresent,
  });
  if (message) throw new Error(message);
};
module.exports.parsePackages = parsePackages;
module.exports.problems = problems;
module.exports.isPresent = isPresent;
module.exports.PACKAGES_FILE = PACKAGES_FILE;
