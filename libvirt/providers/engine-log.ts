// Where a provider's note goes when Pulumi's dynamic provider host runs it.
//
// Pulumi starts the pulumi-nodejs plugin with the engine's address as its only argument
// (pulumi/pulumi sdk/go/common/resource/plugin/provider_plugin.go, NewProvider: newPlugin(...,
// []string{host.ServerAddr()}, ...)), but the host never hands it to the SDK (@pulumi/pulumi
// 3.270.0 cmd/dynamic-provider/index.js:404-429, main(): it only checks that an argument is there).
// The SDK's log finds the engine through PULUMI_NODEJS_ENGINE (runtime/state.js:32 and :90), which
// only the language host sets, and otherwise prints to the console (log/index.js:66 and :81): plugin
// output, with no level. So inside the host a note goes to the engine's Log service here, with its
// level. It still names no resource: the host calls a dynamic provider's delete with the id and the
// stored outputs only (cmd/dynamic-provider/index.js:299, `provider.delete(req.getId(), props)`),
// never the request's URN, and a delete has no outputs to carry a note back. What a delete keeps is
// therefore also said when the object is created.
import { dirname } from "node:path";
import type { Log } from "./common";

/** The engine's address when this process is the SDK's dynamic provider host, else undefined. */
export function hostEngineAddress(argv: readonly string[] = process.argv): string | undefined {
  const script = argv[1] ?? "";
  const address = argv[2] ?? "";
  return /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(script) && /^[\w.:[\]-]+:\d+$/.test(address) ? address : undefined;
}

let client: { address: string; engine: any; proto: any } | undefined;

/** A Log that sends each note to the engine at `address` (the one the host was started with); each call resolves once the engine has it. */
export function engineLog(address: string): Log {
  const send = (severity: "INFO" | "WARNING", message: string): Promise<void> => {
    if (client?.address !== address) {
      // The gRPC library and stubs the SDK itself uses, found from the SDK's own folder.
      const sdk = dirname(require.resolve("@pulumi/pulumi/package.json"));
      const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdk] }));
      const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
      client = { address, engine: new engrpc.EngineClient(address, grpc.credentials.createInsecure()), proto: require("@pulumi/pulumi/proto/engine_pb") };
    }
    const { engine, proto } = client;
    const req = new proto.LogRequest();
    req.setSeverity(proto.LogSeverity[severity]);
    req.setMessage(message);
    req.setUrn("");
    return new Promise((resolve) =>
      engine.log(req, (err: Error | null) => {
        // The note must not be lost, nor fail the operation: the console is what the SDK would have used.
        if (err) console.error(`${severity.toLowerCase()}: ${message}`);
        resolve();
      }),
    );
  };
  return { info: (m) => send("INFO", m), warn: (m) => send("WARNING", m) };
}
