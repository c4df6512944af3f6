package io.kipvs.e2e.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The kernel modules a node loads at boot: what kube-proxy in IPVS mode needs, and what exists. */
final class KernelModules {
  static final Path UML_MODULES = Path.of("/usr/lib/uml/modules");

  static final List<String> IPVS =
      List.of(
          "ip_vs",
          "ip_vs_rr",
          "ip_vs_wrr",
          "ip_vs_lc",
          "ip_vs_wlc",
          "ip_vs_lblc",
          "ip_vs_lblcr",
          "ip_vs_dh",
          "ip_vs_sh",
          "ip_vs_sed",
          "ip_vs_nq",
          "ip_vs_fo",
          "ip_vs_ovf",
          "ip_vs_mh",
          "xt_ipvs");

  static final List<String> BASE =
      List.of(
          // Loaded as a dependency anyway (sctp, ip6_tables), named so that every node has
          // IPv6: its pods and switch address are dual-stack.
          "ipv6",
          "dummy",
          "veth",
          "nf_conntrack",
          "nf_nat",
          "nf_conntrack_netlink",
          "ip_set",
          "ip_set_hash_ip",
          "ip_set_hash_ipport",
          "ip_set_hash_ipportip",
          "ip_set_hash_ipportnet",
          "ip_set_hash_net",
          "ip_set_bitmap_port",
          "ip_tables",
          // Debian's kernels (this one too) ask for bpfilter on every IPv4 iptables get/set
          // socket option until it is loaded, as a real node's first iptables command loads it.
          // A node cannot load it on demand (its modules are under /run/mods), so without it
          // each of those calls waited ~0.5 s for a failing modprobe.
          "bpfilter",
          "iptable_nat",
          "iptable_filter",
          "iptable_mangle",
          "iptable_raw",
          "ip6_tables",
          "ip6table_nat",
          "ip6table_filter",
          "ip6table_mangle",
          "ip6table_raw",
          // SCTP services: the protocol (IPVS itself carries SCTP built in) and its match.
          // SCTP's listen() signs its cookies with hmac(md5 or sha1) and fails with ENOSYS
          // while the kernel cannot load the hmac template (a real node loads it on demand).
          "hmac",
          "sctp",
          "xt_sctp",
          "xt_set",
          "xt_mark",
          "xt_comment",
          "xt_conntrack",
          "xt_MASQUERADE",
          "xt_addrtype",
          "xt_nat",
          "xt_multiport",
          "xt_statistic",
          "xt_tcpudp",
          "xt_limit",
          "xt_recent",
          // upstream's external-IP rules match on it (-m physdev ! --physdev-is-in)
          "xt_physdev",
          "ipt_REJECT",
          "ip6t_REJECT");

  private final String kernelVersion;
  private final Set<String> available;

  private KernelModules(String kernelVersion, Set<String> available) {
    this.kernelVersion = kernelVersion;
    this.available = available;
  }

  /** Reads which modules the installed user-mode-linux kernel ships. */
  static KernelModules installed() {
    try (Stream<Path> versions = Files.list(UML_MODULES)) {
      List<Path> dirs = versions.filter(Files::isDirectory).toList();
      if (dirs.size() != 1) {
        throw new NodeFailedException(
            "expected one kernel version under "
                + UML_MODULES
                + " (Debian package user-mode-linux), found "
                + dirs);
      }
      Path root = dirs.get(0);
      try (Stream<Path> files = Files.walk(root)) {
        Set<String> names =
            files
                .map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".ko"))
                .map(n -> n.substring(0, n.length() - 3).replace('-', '_'))
                .collect(Collectors.toUnmodifiableSet());
        return new KernelModules(root.getFileName().toString(), names);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + UML_MODULES + " (is user-mode-linux installed?)", e);
    }
  }

  String kernelVersion() {
    return kernelVersion;
  }

  /** The modules to load, in dependency-friendly order, leaving out those this kernel lacks. */
  List<String> toLoad(boolean ipvs) {
    Stream<String> wanted = ipvs ? Stream.concat(IPVS.stream(), BASE.stream()) : BASE.stream();
    return wanted.filter(available::contains).toList();
  }
}
