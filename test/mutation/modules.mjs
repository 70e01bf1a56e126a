// The pure modules under mutation testing and the test files that exercise each (issue 18).
// Barrel files (index.ts) and the command-line entry points are not mutated.
export const MODULES = {
  "libvirt-diff-summary": {
    mutate: ["libvirt/providers/diff.ts", "libvirt/providers/summary.ts"],
    // provider-serialize.test.ts runs the providers in child processes, outside the mutant switch.
    tests: ["test/libvirt/provider-diff.test.ts", "test/mutation/libvirt-diff-summary/**/*.test.ts"],
  },
  "nixvirt-export": {
    mutate: ["nixvirt-export/**/*.ts", "!nixvirt-export/index.ts"],
    // cli.test.ts and flake.test.ts run the CLI and nix in child processes, outside the mutant switch;
    // export.test.ts and parity.test.ts evaluate every stack with nix per mutant (hours on two cores):
    // test/mutation/nixvirt-export compares dev with the committed nixvirt/ and writes the rest out.
    tests: ["test/nixvirt/{errors,nix-printer}.test.ts", "test/mutation/nixvirt-export/**/*.test.ts"],
  },
  "libvirt-render": {
    mutate: ["libvirt/render/**/*.ts", "!libvirt/render/index.ts"],
    // render-validate.test.ts renders every stack while jest collects it (static coverage, see lab);
    // it checks schema validity, which render-content and the goldens pin more closely.
    tests: ["test/libvirt/render-{content,golden}.test.ts", "test/nixvirt/parity.test.ts", "test/mutation/libvirt-render/**/*.test.ts"],
  },
  phases: {
    mutate: ["phases/**/*.ts", "!phases/index.ts", "!phases/invocation.ts"],
    // contract.test.ts and invocation.test.ts build their tables of phases while jest collects them:
    // Stryker then counts the whole graph as "static" code and re-runs everything per mutant.
    tests: ["test/phases/{generated,graph}.test.ts", "test/mutation/phases/**/*.test.ts"],
  },
  "phases-invocation": {
    mutate: ["phases/invocation.ts"],
    tests: ["test/phases/invocation.test.ts", "test/mutation/phases/invocation.test.ts"],
  },
  // lab/ in two runs: the rules and arithmetic that decide, then reading and shaping the config.
  lab: {
    mutate: ["lab/rules.ts", "lab/ipv4.ts", "lab/units.ts", "lab/problems.ts", "lab/identity.ts"],
    // variants.test.ts loads every stack while jest collects its tests: Stryker then counts all of lab/
    // as "static" and re-runs everything per mutant (hours here). Its cases are stack-level anyway.
    tests: ["test/lab/{bad-configs,identity}.test.ts", "test/mutation/lab/**/*.test.ts"],
  },
  "lab-config": {
    mutate: ["lab/schema.ts", "lab/parse.ts", "lab/load.ts", "lab/stack-file.ts", "lab/types.ts"],
    // The zod schemas are built when schema.ts loads: their ~230 mutants are "static", each re-running
    // every test (most of this module's time). They are left out of the measured set (shown as ignored).
    ignoreStatic: true,
    // bad-configs.test.ts (190 whole-stack rows) ran per mutant at about 4 mutants a minute on the
    // shared cores; the literal tests below pin these files' own messages and values. The rows stay
    // in the lab module's run, and in npm test.
    tests: ["test/lab/bad-configs-total.test.ts", "test/mutation/lab/specs.test.ts", "test/mutation/lab-config/**/*.test.ts"],
  },
  // build.ts in a run of its own, so that the two halves of lab's config readers run side by side.
  "lab-config-build": {
    mutate: ["lab/build.ts"],
    tests: ["test/lab/bad-configs-total.test.ts", "test/mutation/lab/specs.test.ts", "test/mutation/lab-config/**/*.test.ts"],
  },

  // The whole-lab checks that came after the lab run (names virsh misreads, reserved words, zero MACs,
  // q35 limits, media paths, membership, forwarders); bad-configs-total.test.ts has their rows.
  "lab-sense": {
    mutate: ["lab/sense.ts"],
    tests: [
      "test/lab/bad-configs-total.test.ts",
      "test/mutation/lab/specs.test.ts",
      "test/mutation/lab-config/**/*.test.ts",
      "test/mutation/lab-sense/**/*.test.ts",
    ],
  },
  "winrm-ntlm-envelope": {
    mutate: ["winrm/ntlm.ts", "winrm/envelope.ts"],
    // client.test.ts talks to the double over loopback HTTP; the literal known-answer tests pin more.
    tests: ["test/winrm/{ntlm,envelope,sealing-kat}.test.ts", "test/mutation/winrm/**/*.test.ts"],
  },
};
