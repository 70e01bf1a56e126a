import { VirshSession } from "./libvirt/virsh-session";
(async () => {
  const s = new VirshSession("virsh", "test:///default");
  for (const args of [["list","--all","--name"],["dumpxml","--inactive","--domain","test"],["domstate","--domain","test"],["dominfo","nosuch"]]) {
    const r = await s.run(args, 5000);
    console.log(JSON.stringify(r).slice(0,300));
  }
  s.close();
})();
