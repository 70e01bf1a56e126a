// The pulumi-nodejs provider plugin: the SDK's dynamic provider host, started as Pulumi's plugin
// script starts it (pulumi/pulumi, sdk/nodejs/dist/pulumi-resource-pulumi-nodejs: node on the
// module `require.resolve('@pulumi/pulumi/cmd/dynamic-provider')` finds from the working directory,
// which the engine sets to the project folder, with the engine's address as its argument; it prints
// its port). Requests carry properties as the engine sends them to a provider that does not accept
// secrets: plain values, with unknowns kept in a preview.
import { ChildProcess, spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import type { PropertyMap } from "./values";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const provproto = require("@pulumi/pulumi/proto/provider_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structproto = require("google-protobuf/google/protobuf/struct_pb");

const toStruct = (m: PropertyMap) => structproto.Struct.fromJavaScript(m);

export interface DiffAnswer {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export class DynamicProviderHost {
  /** What Configure answered: the SDK's host says false, so the engine strips secrets before each call. */
  acceptsSecrets = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    readonly output: string[],
  ) {} // eslint-disable-line @typescript-eslint/no-explicit-any

  /** What the plugin printed on stderr: the engine shows it as plugin output, attached to no resource. */
  static async start(projectDir: string, engineAddress: string): Promise<DynamicProviderHost> {
    const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [projectDir] });
    const child = spawn(process.execPath, [script, engineAddress], { cwd: projectDir, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    child.stderr!.setEncoding("utf8").on("data", (d: string) => output.push(...d.split("\n").filter((l) => l !== "")));
    const port = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        buf += d;
        const line = buf.split("\n")[0];
        if (buf.includes("\n")) resolve(line.trim());
      });
      child.once("exit", (code) => reject(new Error(`the dynamic provider host exited (${code}) before printing its port: ${output.join("\n")}`)));
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const host = new DynamicProviderHost(child, client, output);
    const configure = new provproto.ConfigureRequest();
    configure.setArgs(toStruct({}));
    configure.setAcceptsecrets(true);
    configure.setAcceptresources(false);
    const answer = await host.call<any>("configure", configure); // eslint-disable-line @typescript-eslint/no-explicit-any
    host.acceptsSecrets = answer.getAcceptsecrets();
    return host;
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
      this.client[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(new Error(err.details || err.message)) : resolve(res))),
    );
  }

  async check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<{ inputs: PropertyMap; failures: { property: string; reason: string }[] }> {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    const res = await this.call<any>("check", req); // eslint-disable-line @typescript-eslint/no-explicit-any
    return {
      inputs: res.getInputs()?.toJavaScript() ?? {},
      failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })), // eslint-disable-line @typescript-eslint/no-explicit-any
    };
  }

  async diff(urn: string, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap): Promise<DiffAnswer> {
    const req = new provproto.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    req.setOldInputs(toStruct(oldInputs));
    const res = await this.call<any>("diff", req); // eslint-disable-line @typescript-eslint/no-explicit-any
    const C = provproto.DiffResponse.DiffChanges;
    const changes = res.getChanges() === C.DIFF_SOME ? "some" : res.getChanges() === C.DIFF_NONE ? "none" : "unknown";
    return { changes, replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
  }

  async create(urn: string, properties: PropertyMap): Promise<{ id: string; outputs: PropertyMap }> {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(toStruct(properties));
    const res = await this.call<any>("create", req); // eslint-disable-line @typescript-eslint/no-explicit-any
    return { id: res.getId(), outputs: res.getProperties()?.toJavaScript() ?? {} };
  }

  async read(urn: string, id: string, properties: PropertyMap, inputs: PropertyMap): Promise<{ id: string; outputs: PropertyMap; inputs?: PropertyMap }> {
    const req = new provproto.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(toStruct(properties));
    req.setInputs(toStruct(inputs));
    const res = await this.call<any>("read", req); // eslint-disable-line @typescript-eslint/no-explicit-any
    return { id: res.getId(), outputs: res.getProperties()?.toJavaScript() ?? {}, inputs: res.getInputs()?.toJavaScript() };
  }

  async update(urn: string, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap): Promise<PropertyMap> {
    const req = new provproto.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    req.setOldInputs(toStruct(oldInputs));
    const res = await this.call<any>("update", req); // eslint-disable-line @typescript-eslint/no-explicit-any
    return res.getProperties()?.toJavaScript() ?? {};
  }

  async delete(urn: string, id: string, properties: PropertyMap, oldInputs: PropertyMap): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(toStruct(properties));
    req.setOldInputs(toStruct(oldInputs));
    await this.call("delete", req);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.pid) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    }
  }
}
