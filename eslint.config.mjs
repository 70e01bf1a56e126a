// typescript-eslint's recommended rules, tuned to the code as it is: the rules turned off below are
// ones the code does not follow yet (each listed with why), to be turned on as the code gets there.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "out/", "nixvirt/", "docs/", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly" } },
    rules: {
      // Tests read parsed XML and YAML as `any`; the lab code does not.
      "@typescript-eslint/no-explicit-any": "off",
      // Dynamic providers must require() inside their methods (Pulumi serializes their closures); bins are CommonJS.
      "@typescript-eslint/no-require-imports": "off",
      // Four rethrows (winrm/run.ts, test/support/xml-validate.ts, ...) wrap an error without { cause }.
      "preserve-caught-error": "off",
      // Two initial values overwritten before use in the WinRM test doubles (test/winrm/server.ts, test/winrm/double/processes.ts).
      "no-useless-assignment": "off",
      // Seven unused imports and bindings in tests (test/libvirt/integration.test.ts, test/components/program.test.ts): shown, not failed.
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
