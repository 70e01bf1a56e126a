#!/usr/bin/env node
// The compiled entry (npm ci builds dist/ through the prepare script); see cli/main.ts.
let cli;
try {
  cli = require("../dist/cli/main");
} catch (err) {
  process.stderr.write(`homelab: the compiled commands are missing (${err.message}): run \`npm run build\` (npm ci runs it)\n`);
  process.exit(4);
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`homelab: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 5;
  },
);
