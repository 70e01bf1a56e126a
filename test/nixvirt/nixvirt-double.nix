# A test double of NixVirt 0.6.0's `lib` (github:AshleyYakeley/NixVirt, FlakeHub 0.6.*), for
# `nix-instantiate --eval --strict --json` without network or a Nix store.
#
# - The templates take exactly the arguments 0.6.0 documents, WITHOUT `...`: a misspelled or
#   unknown argument fails here, where the real template would ignore it.
# - The templates return what the real ones return (templates/domain/{base,windows,linux}.nix),
#   so that overrides of their output evaluate as they would, plus the call that made them.
# - writeXML returns its argument as data, marked with the function called, after checking it
#   against the elements and attributes 0.6.0's XML generators write: the real generators drop
#   anything else without a word (features.smm, os.loader.secure, graphics.listen.address ...).
let
  called = fn: args: { nixvirt = fn; inherit args; };

  # A schema is `true` (anything below) or an attrset of the names allowed, each with its schema.
  check = schema: path: value:
    if schema == true || value == null then value
    else if builtins.isList value then
      builtins.genList (i: check schema "${path}[${toString i}]" (builtins.elemAt value i)) (builtins.length value)
    else if !(builtins.isAttrs value) then
      throw "NixVirt double: ${path} must be an attribute set, not a ${builtins.typeOf value}"
    else
      builtins.mapAttrs
        (name: v:
          if schema ? ${name} then check schema.${name} "${path}.${name}" v
          else throw "NixVirt double: ${path}.${name} is not written by NixVirt 0.6.0's XML generator (it would be dropped silently)")
        value;

  leaf = true;
  count = { unit = leaf; count = leaf; };
  address = leaf;
  target = { type = leaf; name = leaf; chassis = leaf; port = leaf; dev = leaf; bus = leaf; model = { name = leaf; }; };

  # generate-xml/network.nix
  networkSchema = {
    ipv6 = leaf; trustGuestRxFilters = leaf; name = leaf; uuid = leaf; title = leaf; description = leaf; metadata = leaf;
    bridge = { name = leaf; stp = leaf; delay = leaf; macTableManager = leaf; zone = leaf; };
    mtu = { size = leaf; };
    domain = { name = leaf; localOnly = leaf; };
    forward = { mode = leaf; dev = leaf; interface = leaf; pf = leaf; };
    bandwidth = leaf; vlan = leaf; port = leaf; portgroup = leaf; route = leaf;
    mac = { address = leaf; };
    dns = { enable = leaf; forwardPlainNames = leaf; forwarder = leaf; txt = leaf; host = leaf; srv = leaf; };
    ip = {
      address = leaf; prefix = leaf; netmask = leaf; family = leaf; localPtr = leaf; tftp = leaf;
      dhcp = {
        range = { start = leaf; end = leaf; lease = leaf; };
        host = { mac = leaf; name = leaf; ip = leaf; lease = leaf; };
        bootp = leaf;
      };
    };
  };

  # generate-xml/pool.nix
  poolSchema = {
    type = leaf; name = leaf; uuid = leaf; capacity = count; allocation = count; available = count;
    source = leaf;
    target = { path = leaf; permissions = leaf; };
  };

  # generate-xml/volume.nix
  volumeSchema = {
    name = leaf; allocation = count; capacity = count;
    target = { format = { type = leaf; }; permissions = leaf; compat = leaf; nocow = leaf; clusterSize = count; features = leaf; };
    backingStore = leaf;
  };

  # generate-xml/domain.nix (0.6.0 adds os.firmware and os.loader.stateless)
  domainSchema = {
    type = leaf; name = leaf; uuid = leaf; title = leaf; description = leaf; metadata = leaf;
    memory = count; currentMemory = count;
    vcpu = { placement = leaf; cpuset = leaf; count = leaf; };
    iothreads = leaf; cputune = leaf; sysinfo = leaf; memoryBacking = leaf;
    os = {
      firmware = leaf; type = leaf; arch = leaf; machine = leaf;
      loader = { readonly = leaf; type = leaf; path = leaf; stateless = leaf; };
      nvram = { template = leaf; type = leaf; format = leaf; path = leaf; };
      boot = { dev = leaf; };
      bootmenu = { enable = leaf; };
      kernel = leaf; initrd = leaf; init = leaf; initarg = leaf; cmdline = leaf; smbios = leaf;
    };
    features = {
      acpi = leaf; apic = leaf; pae = leaf; privnet = leaf; pvspinlock = leaf; hyperv = leaf;
      capabilities = leaf; vmport = leaf; kvm = leaf; ioapic = leaf;
    };
    cpu = {
      mode = leaf; match = leaf; check = leaf; migratable = leaf; model = leaf; cache = leaf; feature = leaf;
      topology = { sockets = leaf; dies = leaf; cores = leaf; threads = leaf; };
    };
    clock = leaf; on_poweroff = leaf; on_reboot = leaf; on_crash = leaf; pm = leaf;
    devices = {
      type = leaf;
      emulator = leaf;
      disk = {
        type = leaf; device = leaf; model = leaf; snapshot = leaf;
        driver = { name = leaf; type = leaf; cache = leaf; io = leaf; discard = leaf; };
        source = {
          file = leaf; startupPolicy = leaf; protocol = leaf; name = leaf; query = leaf; dev = leaf;
          index = leaf; pool = leaf; volume = leaf; dir = leaf; type = leaf; path = leaf; host = leaf;
        };
        backingStore = leaf; inherit target; readonly = leaf; inherit address; boot = leaf; serial = leaf;
      };
      filesystem = leaf; hostdev = leaf; shmem = leaf;
      controller = { type = leaf; index = leaf; model = leaf; ports = leaf; master = leaf; inherit target address; };
      interface = {
        type = leaf; trustGuestRxFilters = leaf;
        mac = { address = leaf; };
        source = { bridge = leaf; dev = leaf; mode = leaf; network = leaf; type = leaf; path = leaf; inherit address; reconnect = leaf; };
        model = { type = leaf; };
        inherit target address;
      };
      smartcard = leaf; serial = leaf; console = leaf;
      channel = { type = leaf; source = { channel = leaf; }; inherit target address; };
      input = { type = leaf; bus = leaf; source = leaf; inherit address; };
      tpm = { model = leaf; backend = { type = leaf; version = leaf; }; };
      graphics = { type = leaf; autoport = leaf; listen = { type = leaf; }; image = { compression = leaf; }; gl = { enable = leaf; rendernode = leaf; }; };
      sound = { model = leaf; inherit address; };
      audio = { id = leaf; type = leaf; };
      video = { model = { type = leaf; ram = leaf; vram = leaf; vgamem = leaf; heads = leaf; primary = leaf; blob = leaf; acceleration = leaf; }; inherit address; };
      redirdev = leaf; watchdog = leaf;
      rng = { model = leaf; backend = { model = leaf; source = leaf; }; inherit address; };
      memballoon = { model = leaf; autodeflate = leaf; freePageReporting = leaf; inherit address; };
      vsock = leaf;
    };
    qemu-commandline = leaf; qemu-override = leaf;
    # Not NixVirt's: the double's record of the template call this domain came from.
    template = leaf;
  };

  writer = kind: schema: obj: called "${kind}.writeXML" (check schema kind obj);

  # templates/domain/base.nix: mkstorage and the q35 machine both templates start from.
  storage = virtio_drive: vol: {
    type = if builtins.isAttrs vol && vol ? volume then "volume" else "file";
    device = "disk";
    driver = { name = "qemu"; type = "qcow2"; cache = "none"; discard = "unmap"; };
    source = if builtins.isString vol || builtins.isPath vol then { file = vol; } else vol;
    target = if virtio_drive then { dev = "vda"; bus = "virtio"; } else { dev = "sda"; bus = "sata"; };
  };
  q35 = { name, uuid, vcpu, memory, storage_vol, install_vol, bridge_name, net_iface_mac, virtio_net, virtio_drive, virtio_video }: {
    type = "kvm";
    inherit name uuid vcpu memory;
    os = { type = "hvm"; arch = "x86_64"; machine = "q35"; boot = [ { dev = "cdrom"; } { dev = "hd"; } ]; };
    features = { acpi = { }; apic = { }; };
    cpu = { mode = "host-passthrough"; };
    clock = {
      offset = "utc";
      timer = [ { name = "rtc"; tickpolicy = "catchup"; } { name = "pit"; tickpolicy = "delay"; } { name = "hpet"; present = false; } ];
    };
    devices = {
      emulator = "/nix/store/double-qemu/bin/qemu-system-x86_64";
      disk = (if storage_vol == null then [ ] else [ (storage virtio_drive storage_vol) ]) ++ [
        {
          type = "file";
          device = "cdrom";
          driver = { name = "qemu"; type = "raw"; };
          source = if install_vol == null then null else { file = install_vol; startupPolicy = "mandatory"; };
          target = { bus = "sata"; dev = "hdc"; };
          readonly = true;
        }
      ];
      interface = {
        type = "bridge";
        mac = if net_iface_mac == null then null else { address = net_iface_mac; };
        model = if virtio_net then { type = "virtio"; } else null;
        source = { bridge = bridge_name; };
      };
      channel = [ { type = "spicevmc"; target = { type = "virtio"; name = "com.redhat.spice.0"; }; } ];
      input = [ { type = "tablet"; bus = "usb"; } { type = "mouse"; bus = "ps2"; } { type = "keyboard"; bus = "ps2"; } ];
      graphics = { type = "spice"; autoport = true; listen = { type = "none"; }; image = { compression = false; }; gl = { enable = virtio_video; }; };
      sound = { model = "ich9"; };
      audio = { id = 1; type = "spice"; };
      video = { model = if virtio_video then { type = "virtio"; heads = 1; primary = true; acceleration = { accel3d = true; }; } else { type = "qxl"; ram = 65536; vram = 65536; vgamem = 16384; heads = 1; primary = true; }; };
      redirdev = [ { bus = "usb"; type = "spicevmc"; } { bus = "usb"; type = "spicevmc"; } ];
    };
  };

  # templates/domain/windows.nix
  windows = args@{ name, uuid, vcpu ? { count = 4; }, memory ? { count = 4; unit = "GiB"; }, storage_vol ? null
    , backing_vol ? null, install_vol ? null, bridge_name ? "virbr0", net_iface_mac ? null, nvram_path
    , virtio_net ? false, virtio_drive ? false, virtio_video ? true, install_virtio ? false }:
    let base = q35 { inherit name uuid vcpu memory storage_vol install_vol bridge_name net_iface_mac virtio_net virtio_drive virtio_video; };
    in base // {
      template = called "domain.templates.windows" args;
      os = base.os // {
        loader = { readonly = true; type = "pflash"; path = "/nix/store/double-OVMFFull-fd/FV/OVMF_CODE.ms.fd"; };
        nvram = { template = "/nix/store/double-OVMFFull-fd/FV/OVMF_VARS.ms.fd"; path = nvram_path; };
      };
      features = base.features // { hyperv = { mode = "custom"; relaxed = { state = true; }; vapic = { state = true; }; }; };
      clock = base.clock // { offset = "localtime"; timer = base.clock.timer ++ [ { name = "hypervclock"; present = true; } ]; };
      pm = { suspend-to-mem = { enabled = false; }; suspend-to-disk = { enabled = false; }; };
      devices = base.devices // {
        disk = base.devices.disk ++ (if install_virtio then [
          { type = "file"; device = "cdrom"; driver = { name = "qemu"; type = "raw"; }; source = { file = "/nix/store/double-virtio-win.iso"; }; target = { bus = "sata"; dev = "hdd"; }; readonly = true; }
        ] else [ ]);
        channel = base.devices.channel ++ [ { type = "spiceport"; source = { channel = "org.spice-space.webdav.0"; }; target = { type = "virtio"; name = "org.spice-space.webdav.0"; }; } ];
        tpm = { model = "tpm-crb"; backend = { type = "emulator"; version = "2.0"; }; };
      };
    };

  # templates/domain/linux.nix
  linux = args@{ name, uuid, memory ? { count = 4; unit = "GiB"; }, storage_vol ? null, backing_vol ? null
    , install_vol ? null, bridge_name ? "virbr0", net_iface_mac ? null, virtio_drive ? true, virtio_video ? true }:
    let base = q35 { inherit name uuid memory storage_vol install_vol bridge_name net_iface_mac virtio_drive virtio_video; vcpu = { count = 2; }; virtio_net = true; };
    in base // {
      template = called "domain.templates.linux" args;
      devices = base.devices // {
        channel = base.devices.channel ++ [ { type = "unix"; target = { type = "virtio"; name = "org.qemu.guest_agent.0"; }; } ];
        rng = { model = "virtio"; backend = { model = "random"; source = "/dev/urandom"; }; };
      };
    };
in
{
  lib = {
    network.writeXML = writer "network" networkSchema;
    pool.writeXML = writer "pool" poolSchema;
    volume.writeXML = writer "volume" volumeSchema;
    domain = {
      writeXML = writer "domain" domainSchema;
      templates = { inherit windows linux; };
    };
  };
  # The module NixVirt's flake exports; flake.test.ts reads what the lab's module sets.
  nixosModules.default = { imports = [ ]; nixvirtDouble = true; };
}
