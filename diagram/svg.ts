// Graphviz compiled to WebAssembly: no dot binary needed on the host.
// @hpcc-js/wasm-graphviz is an ES module; Node 20.19+ can require() it, jest cannot, so tests
// run the diagram command as a process.
export async function dotToSvg(dot: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Graphviz } = require("@hpcc-js/wasm-graphviz") as typeof import("@hpcc-js/wasm-graphviz");
  const graphviz = await Graphviz.load();
  return graphviz.dot(dot, "svg");
}
