#!/usr/bin/env node
// The bin runs the compiled JavaScript that `npm ci` builds into dist/ (the prepare script): no TypeScript at start-up.
require("../dist/winrm/cli").main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { process.stderr.write(`homelab-winrm: ${err instanceof Error ? err.message : String(err)}\n`); process.exit(2); },
);
