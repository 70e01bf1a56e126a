#!/usr/bin/env node
// The phase wrapper (checkpoints/phase-wrapper.ts), compiled into dist/ by npm ci like homelab-winrm.
require("../dist/checkpoints/phase-wrapper")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`homelab-phase: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 5;
    },
  );
