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
    // cli.test.ts and flake.test.ts run the CLI and nix in child processes, outside the mutant switch.
    tests: ["test/nixvirt/{double,errors,export,nix-printer,parity}.test.ts", "test/mutation/nixvirt-export/**/*.test.ts"],
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
    mutate: ["lab/schema.ts", "lab/parse.ts", "lab/build.ts", "lab/load.ts", "lab/stack-file.ts", "lab/types.ts"],
    tests: ["test/lab/{bad-configs,identity}.test.ts", "test/mutation/lab/**/*.test.ts"],
  },
  "winrm-ntlm-envelope": {
    mutate: ["winrm/ntlm.ts", "winrm/envelope.ts"],
    tests: ["test/winrm/ntlm.test.ts", "test/winrm/envelope.test.ts", "test/winrm/crypto.test.ts", "test/unit-winrm/**/*.test.ts"],
  },
};
