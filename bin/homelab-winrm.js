#!/usr/bin/env node
// The bin runs the TypeScript source through ts-node so that `npm ci` needs no build step.
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("../winrm/cli").main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { process.stderr.write(`homelab-winrm: ${err instanceof Error ? err.message : String(err)}\n`); process.exit(2); },
);
