package io.kipvs.daemon.proxy;

import io.kipvs.k8s.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The input of one {@code iptables-restore --noflush} (or ip6tables): kube-proxy IPVS mode's chains
 * in the nat and filter tables, their whole content (declaring a chain in restore input empties it,
 * so the chains are replaced atomically), and the jumps from the built-in chains that are missing.
 * Pure text generation.
 */
final class IptablesScript {
  static final String MASQ_MARK = "0x00004000";

  /** A jump from a built-in chain into one of ours, inserted first as upstream does. */
  record Jump(String table, String from, String to, String comment) {}

  static final List<Jump> JUMPS =
      List.of(
          new Jump("nat", "OUTPUT", "KUBE-SERVICES", "kubernetes service portals"),
          new Jump("nat", "PREROUTING", "KUBE-SERVICES", "kubernetes service portals"),
          new Jump("nat", "POSTROUTING", "KUBE-POSTROUTING", "kubernetes postrouting rules"),
          new Jump("filter", "FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules"),
          new Jump("filter", "INPUT", "KUBE-NODE-PORT", "kubernetes health check rules"),
          new Jump("filter", "INPUT", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules"),
          new Jump("filter", "FORWARD", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules"),
          new Jump("filter", "INPUT", "KUBE-IPVS-FILTER", "kubernetes ipvs access filter"),
          new Jump("filter", "OUTPUT", "KUBE-IPVS-OUT-FILTER", "kubernetes ipvs access filter"));

  static final List<String> NAT_CHAINS =
      List.of(
          "KUBE-SERVICES",
          "KUBE-POSTROUTING",
          "KUBE-NODE-PORT",
          "KUBE-LOAD-BALANCER",
          "KUBE-MARK-MASQ");

  static final List<String> FILTER_CHAINS =
      List.of(
          "KUBE-FORWARD",
          "KUBE-NODE-PORT",
          "KUBE-PROXY-FIREWALL",
          "KUBE-SOURCE-RANGES-FIREWALL",
          "KUBE-IPVS-FILTER",
          "KUBE-IPVS-OUT-FILTER");

  /**
   * What the rules depend on.
   *
   * @param v6 whether these are the IPv6 rules
   * @param nonEmpty the sets of this family that have members (rules that match an empty set are
   *     left out, as upstream does)
   * @param masqueradeAll --masquerade-all
   * @param clusterCidr the pod range of this family, if known: traffic from outside it to a cluster
   *     IP is masqueraded
   * @param noNodeAccess load-balancer addresses the node must not reach
   * @param missingJumps jumps from built-in chains not present yet
   * @param randomFully whether the masquerade rule takes {@code --random-fully} (iptables 1.6.2 or
   *     later, as upstream checks): fully random source ports avoid the port collisions between
   *     connections masqueraded at the same time that drop their first packets
   */
  record Input(
      boolean v6,
      Set<KubeIpset> nonEmpty,
      boolean masqueradeAll,
      Optional<Cidr> clusterCidr,
      List<ServiceRules.NoNodeAccess> noNodeAccess,
      List<Jump> missingJumps,
      boolean randomFully) {
    Input {
      nonEmpty = Set.copyOf(nonEmpty);
      noNodeAccess = List.copyOf(noNodeAccess);
      missingJumps = List.copyOf(missingJumps);
    }

    /** Without {@code --random-fully}. */
    Input(
        boolean v6,
        Set<KubeIpset> nonEmpty,
        boolean masqueradeAll,
        Optional<Cidr> clusterCidr,
        List<ServiceRules.NoNodeAccess> noNodeAccess,
        List<Jump> missingJumps) {
      this(v6, nonEmpty, masqueradeAll, clusterCidr, noNodeAccess, missingJumps, false);
    }
  }

  /** An ipset match rule of upstream's table: written when the set has members. */
  private record SetRule(
      KubeIpset set, String table, String chain, String target, String match, String protocol) {}

  private static final List<SetRule> SET_RULES =
      List.of(
          new SetRule(
              KubeIpset.LOOP_BACK, "nat", "KUBE-POSTROUTING", "MASQUERADE", "dst,dst,src", ""),
          new SetRule(
              KubeIpset.LOAD_BALANCER, "nat", "KUBE-SERVICES", "KUBE-LOAD-BALANCER", "dst,dst", ""),
          new SetRule(
              KubeIpset.LOAD_BALANCER_LOCAL, "nat", "KUBE-LOAD-BALANCER", "RETURN", "dst,dst", ""),
          new SetRule(
              KubeIpset.NODE_PORT_LOCAL_TCP, "nat", "KUBE-NODE-PORT", "RETURN", "dst", "tcp"),
          new SetRule(
              KubeIpset.NODE_PORT_TCP, "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "tcp"),
          new SetRule(
              KubeIpset.NODE_PORT_LOCAL_UDP, "nat", "KUBE-NODE-PORT", "RETURN", "dst", "udp"),
          new SetRule(
              KubeIpset.NODE_PORT_UDP, "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "udp"),
          new SetRule(
              KubeIpset.NODE_PORT_LOCAL_SCTP, "nat", "KUBE-NODE-PORT", "RETURN", "dst,dst", "sctp"),
          new SetRule(
              KubeIpset.NODE_PORT_SCTP,
              "nat",
              "KUBE-NODE-PORT",
              "KUBE-MARK-MASQ",
              "dst,dst",
              "sctp"),
          new SetRule(
              KubeIpset.LOAD_BALANCER_FW,
              "filter",
              "KUBE-PROXY-FIREWALL",
              "KUBE-SOURCE-RANGES-FIREWALL",
              "dst,dst",
              ""),
          new SetRule(
              KubeIpset.LOAD_BALANCER_SOURCE_CIDR,
              "filter",
              "KUBE-SOURCE-RANGES-FIREWALL",
              "RETURN",
              "dst,dst,src",
              ""),
          new SetRule(
              KubeIpset.LOAD_BALANCER_SOURCE_IP,
              "filter",
              "KUBE-SOURCE-RANGES-FIREWALL",
              "RETURN",
              "dst,dst,src",
              ""));

  private IptablesScript() {}

  static String restore(Input in) {
    List<String> nat = new ArrayList<>();
    List<String> filter = new ArrayList<>();
    boolean v6 = in.v6();
    nat.add("*nat");
    for (String c : NAT_CHAINS) {
      nat.add(":" + c + " - [0:0]");
    }
    filter.add("*filter");
    for (String c : FILTER_CHAINS) {
      filter.add(":" + c + " - [0:0]");
    }
    for (Jump j : in.missingJumps()) {
      (j.table().equals("nat") ? nat : filter)
          .add("-I " + j.from() + " -m comment --comment \"" + j.comment() + "\" -j " + j.to());
    }
    // Connections to localhost never go through IPVS: leave them before any masquerade mark.
    nat.add("-A KUBE-SERVICES -s " + (v6 ? "::1/128" : "127.0.0.0/8") + " -j RETURN");
    for (SetRule r : SET_RULES) {
      if (!in.nonEmpty().contains(r.set())) {
        continue;
      }
      StringBuilder sb = new StringBuilder("-A ").append(r.chain());
      if (!r.protocol().isEmpty()) {
        sb.append(" -p ").append(r.protocol());
      }
      sb.append(comment(r.set()))
          .append(" -m set --match-set ")
          .append(r.set().setName(v6))
          .append(' ')
          .append(r.match())
          .append(" -j ")
          .append(r.target());
      (r.table().equals("nat") ? nat : filter).add(sb.toString());
    }
    if (in.nonEmpty().contains(KubeIpset.CLUSTER_IP)) {
      String match =
          "-A KUBE-SERVICES"
              + comment(KubeIpset.CLUSTER_IP)
              + " -m set --match-set "
              + KubeIpset.CLUSTER_IP.setName(v6);
      if (in.masqueradeAll()) {
        nat.add(match + " dst,dst -j KUBE-MARK-MASQ");
      } else if (in.clusterCidr().isPresent()) {
        nat.add(
            match
                + " dst,dst ! -s "
                + Addresses.text(in.clusterCidr().get())
                + " -j KUBE-MARK-MASQ");
      } else {
        // Without the pod range, masquerade what the node itself sends from a service address.
        nat.add(match + " src,dst -j KUBE-MARK-MASQ");
      }
    }
    if (in.nonEmpty().contains(KubeIpset.EXTERNAL_IP)) {
      String match =
          "-A KUBE-SERVICES"
              + comment(KubeIpset.EXTERNAL_IP)
              + " -m set --match-set "
              + KubeIpset.EXTERNAL_IP.setName(v6)
              + " dst,dst";
      nat.add(match + " -j KUBE-MARK-MASQ");
      externalIpAccepts(nat, match);
    }
    if (in.nonEmpty().contains(KubeIpset.EXTERNAL_IP_LOCAL)) {
      externalIpAccepts(
          nat,
          "-A KUBE-SERVICES"
              + comment(KubeIpset.EXTERNAL_IP_LOCAL)
              + " -m set --match-set "
              + KubeIpset.EXTERNAL_IP_LOCAL.setName(v6)
              + " dst,dst");
    }
    nat.add("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT");
    nat.add("-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ");
    filter.add("-A KUBE-SOURCE-RANGES-FIREWALL -j DROP");
    for (ServiceRules.NoNodeAccess n : in.noNodeAccess()) {
      String ip = Addresses.text(n.address());
      filter.add(
          "-A KUBE-IPVS-OUT-FILTER -s "
              + ip
              + " -m ipvs --vaddr "
              + ip
              + " --vproto "
              + n.protocol()
              + " --vport "
              + n.port()
              + " -j DROP");
    }
    // Accept what IPVS serves, last in KUBE-SERVICES, whatever other rules of the node say.
    for (KubeIpset set : List.of(KubeIpset.CLUSTER_IP, KubeIpset.LOAD_BALANCER)) {
      if (in.nonEmpty().contains(set)) {
        nat.add("-A KUBE-SERVICES -m set --match-set " + set.setName(v6) + " dst,dst -j ACCEPT");
      }
    }
    filter.add(
        "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark "
            + MASQ_MARK
            + "/"
            + MASQ_MARK
            + " -j ACCEPT");
    filter.add(
        "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\""
            + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
    filter.add(
        "-A KUBE-NODE-PORT"
            + comment(KubeIpset.HEALTH_CHECK_NODE_PORT)
            + " -m set --match-set "
            + KubeIpset.HEALTH_CHECK_NODE_PORT.setName(v6)
            + " dst -j ACCEPT");
    // Service addresses on kube-ipvs0 answer only on service ports (kubernetes#72236).
    for (KubeIpset set :
        List.of(
            KubeIpset.LOAD_BALANCER,
            KubeIpset.CLUSTER_IP,
            KubeIpset.EXTERNAL_IP,
            KubeIpset.EXTERNAL_IP_LOCAL)) {
      filter.add(
          "-A KUBE-IPVS-FILTER -m set --match-set " + set.setName(v6) + " dst,dst -j RETURN");
    }
    filter.add(
        "-A KUBE-IPVS-FILTER -m set --match-set "
            + KubeIpset.HEALTH_CHECK_NODE_PORT.setName(v6)
            + " dst -j RETURN");
    filter.add(
        "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set "
            + KubeIpset.IPVS_IPS.setName(v6)
            + " dst -j REJECT");
    nat.add("-A KUBE-POSTROUTING -m mark ! --mark " + MASQ_MARK + "/" + MASQ_MARK + " -j RETURN");
    // Clear the mark so that a packet going through the stack again is not masqueraded twice.
    nat.add("-A KUBE-POSTROUTING -j MARK --xor-mark " + MASQ_MARK);
    nat.add(
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\""
            + " -j MASQUERADE"
            + (in.randomFully() ? " --random-fully" : ""));
    nat.add("-A KUBE-MARK-MASQ -j MARK --or-mark " + MASQ_MARK);
    nat.add("COMMIT");
    filter.add("COMMIT");
    StringBuilder out = new StringBuilder();
    for (String l : filter) {
      out.append(l).append('\n');
    }
    for (String l : nat) {
      out.append(l).append('\n');
    }
    return out.toString();
  }

  /**
   * The restore input that removes every jump into our chains (as iptables-save printed them), then
   * empties and deletes our chains (for --cleanup).
   */
  static String cleanup(IptablesSave save) {
    StringBuilder sb = new StringBuilder();
    for (String table : List.of("filter", "nat")) {
      List<String> chains = table.equals("nat") ? NAT_CHAINS : FILTER_CHAINS;
      List<String> present =
          chains.stream().filter(c -> save.chains().contains(table + "/" + c)).toList();
      List<String> jumps = save.jumpLines().getOrDefault(table, List.of());
      if (present.isEmpty() && jumps.isEmpty()) {
        continue;
      }
      sb.append('*').append(table).append('\n');
      for (String j : jumps) {
        sb.append("-D ").append(j.substring(3)).append('\n');
      }
      for (String c : present) {
        sb.append(':').append(c).append(" - [0:0]\n");
      }
      for (String c : present) {
        sb.append("-X ").append(c).append('\n');
      }
      sb.append("COMMIT\n");
    }
    return sb.toString();
  }

  private static void externalIpAccepts(List<String> nat, String match) {
    // Traffic from off the node (not from a local process, not bridged from a pod) is served.
    nat.add(match + " -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT");
    // An external IP the node itself has (e.g. a cloud load balancer's) stays local.
    nat.add(match + " -m addrtype --dst-type LOCAL -j ACCEPT");
  }

  private static String comment(KubeIpset set) {
    return " -m comment --comment \"" + set.comment() + "\"";
  }
}
