package io.kipvs.daemon.proxy;

import io.kipvs.ipset.IpsetDefinition;
import io.kipvs.ipset.IpsetDefinition.HashType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The ipsets of kube-proxy's IPVS mode, with the types and options upstream creates them with. */
enum KubeIpset {
  LOOP_BACK(
      "KUBE-LOOP-BACK",
      HashType.IP_PORT_IP,
      "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
  CLUSTER_IP(
      "KUBE-CLUSTER-IP",
      HashType.IP_PORT,
      "Kubernetes service cluster ip + port for masquerade purpose"),
  EXTERNAL_IP(
      "KUBE-EXTERNAL-IP",
      HashType.IP_PORT,
      "Kubernetes service external ip + port for masquerade and filter purpose"),
  EXTERNAL_IP_LOCAL(
      "KUBE-EXTERNAL-IP-LOCAL",
      HashType.IP_PORT,
      "Kubernetes service external ip + port with externalTrafficPolicy=local"),
  LOAD_BALANCER("KUBE-LOAD-BALANCER", HashType.IP_PORT, "Kubernetes service lb portal"),
  LOAD_BALANCER_LOCAL(
      "KUBE-LOAD-BALANCER-LOCAL",
      HashType.IP_PORT,
      "Kubernetes service load balancer ip + port with externalTrafficPolicy=local"),
  LOAD_BALANCER_FW(
      "KUBE-LOAD-BALANCER-FW",
      HashType.IP_PORT,
      "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
  LOAD_BALANCER_SOURCE_IP(
      "KUBE-LOAD-BALANCER-SOURCE-IP",
      HashType.IP_PORT_IP,
      "Kubernetes service load balancer ip + port + source IP for packet filter purpose"),
  LOAD_BALANCER_SOURCE_CIDR(
      "KUBE-LOAD-BALANCER-SOURCE-CIDR",
      HashType.IP_PORT_NET,
      "Kubernetes service load balancer ip + port + source cidr for packet filter purpose"),
  NODE_PORT_TCP("KUBE-NODE-PORT-TCP", "Kubernetes nodeport TCP port for masquerade purpose"),
  NODE_PORT_LOCAL_TCP(
      "KUBE-NODE-PORT-LOCAL-TCP", "Kubernetes nodeport TCP port with externalTrafficPolicy=local"),
  NODE_PORT_UDP("KUBE-NODE-PORT-UDP", "Kubernetes nodeport UDP port for masquerade purpose"),
  NODE_PORT_LOCAL_UDP(
      "KUBE-NODE-PORT-LOCAL-UDP", "Kubernetes nodeport UDP port with externalTrafficPolicy=local"),
  NODE_PORT_SCTP(
      "KUBE-NODE-PORT-SCTP-HASH",
      HashType.IP_PORT,
      "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"),
  NODE_PORT_LOCAL_SCTP(
      "KUBE-NODE-PORT-LOCAL-SCTP-HASH",
      HashType.IP_PORT,
      "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'"),
  HEALTH_CHECK_NODE_PORT("KUBE-HEALTH-CHECK-NODE-PORT", "Kubernetes health check node port"),
  IPVS_IPS("KUBE-IPVS-IPS", HashType.IP, "IPVS service ip");

  private final String baseName;
  // null for bitmap:port.
  private final HashType hashType;
  private final String comment;

  /** A bitmap:port set. */
  KubeIpset(String baseName, String comment) {
    this(baseName, null, comment);
  }

  KubeIpset(String baseName, HashType hashType, String comment) {
    this.baseName = baseName;
    this.hashType = hashType;
    this.comment = comment;
  }

  /**
   * The set's name for one family. IPv6 sets are named KUBE-6-..., as upstream does so that both
   * families coexist, cut to the 31 characters ipset allows.
   */
  String setName(boolean v6) {
    if (!v6) {
      return baseName;
    }
    String name = "KUBE-6-" + baseName.substring("KUBE-".length());
    return name.length() > 31 ? name.substring(0, 31) : name;
  }

  String comment() {
    return comment;
  }

  /** The hash type, or empty for bitmap:port. */
  Optional<HashType> hashType() {
    return Optional.ofNullable(hashType);
  }

  /**
   * The set as upstream creates it: {@code TYPE family inet|inet6 hashsize 1024 maxelem 65536}, or
   * {@code bitmap:port range 0-65535}.
   */
  IpsetDefinition definition(boolean v6) {
    if (hashType == null) {
      return new IpsetDefinition.BitmapPort(setName(v6), 0, 65535);
    }
    return new IpsetDefinition.Hash(setName(v6), hashType, v6, 1024, 65536);
  }

  /**
   * The names of every set kube-proxy's IPVS mode uses, both families: read in full, removed by
   * --cleanup.
   */
  static List<String> allSetNames() {
    List<String> names = new ArrayList<>();
    for (boolean v6 : List.of(false, true)) {
      for (KubeIpset set : values()) {
        names.add(set.setName(v6));
      }
    }
    return names;
  }
}
