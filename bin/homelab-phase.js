#!/usr/bin/env node
// The phase wrapper (checkpoints/phase-wrapper.ts) through ts-node, like homelab-winrm.
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("../checkpoints/phase-wrapper").main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { process.stderr.write(`homelab-phase: ${err instanceof Error ? err.message : String(err)}\n`); process.exit(2); },
);
