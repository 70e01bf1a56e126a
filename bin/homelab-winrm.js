#!/usr/bin/env node
// The bin runs the compiled JavaScript that `npm ci` builds into dist/ (the prepare script): no TypeScript at start-up.

// A reader that closes the pipe early (`| head -c 10`) must not turn into a crash with a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
  });

/** Exits only once stdout and stderr have handed every pending write to the OS: on a pipe, process.exit() would drop them. */
function exitAfterFlush(code) {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

require("../dist/winrm/cli")
  .main(process.argv.slice(2))
  .then(exitAfterFlush, (err) => {
    process.stderr.write(`homelab-winrm: ${err instanceof Error ? err.message : String(err)}\n`);
    exitAfterFlush(2);
  });
