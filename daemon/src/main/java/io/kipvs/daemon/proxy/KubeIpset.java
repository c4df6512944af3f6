package io.kipvs.daemon.proxy;

/** The ipsets of kube-proxy's IPVS mode, with the types and options upstream creates them with. */
enum KubeIpset {
  LOOP_BACK(
      "KUBE-LOOP-BACK",
      "hash:ip,port,ip",
      "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
  CLUSTER_IP(
      "KUBE-CLUSTER-IP",
      "hash:ip,port",
      "Kubernetes service cluster ip + port for masquerade purpose"),
  EXTERNAL_IP(
      "KUBE-EXTERNAL-IP",
      "hash:ip,port",
      "Kubernetes service external ip + port for masquerade and filter purpose"),
  EXTERNAL_IP_LOCAL(
      "KUBE-EXTERNAL-IP-LOCAL",
      "hash:ip,port",
      "Kubernetes service external ip + port with externalTrafficPolicy=local"),
  LOAD_BALANCER("KUBE-LOAD-BALANCER", "hash:ip,port", "Kubernetes service lb portal"),
  LOAD_BALANCER_LOCAL(
      "KUBE-LOAD-BALANCER-LOCAL",
      "hash:ip,port",
      "Kubernetes service load balancer ip + port with externalTrafficPolicy=local"),
  LOAD_BALANCER_FW(
      "KUBE-LOAD-BALANCER-FW",
      "hash:ip,port",
      "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
  LOAD_BALANCER_SOURCE_IP(
      "KUBE-LOAD-BALANCER-SOURCE-IP",
      "hash:ip,port,ip",
      "Kubernetes service load balancer ip + port + source IP for packet filter purpose"),
  LOAD_BALANCER_SOURCE_CIDR(
      "KUBE-LOAD-BALANCER-SOURCE-CIDR",
      "hash:ip,port,net",
      "Kubernetes service load balancer ip + port + source cidr for packet filter purpose"),
  NODE_PORT_TCP(
      "KUBE-NODE-PORT-TCP", "bitmap:port", "Kubernetes nodeport TCP port for masquerade purpose"),
  NODE_PORT_LOCAL_TCP(
      "KUBE-NODE-PORT-LOCAL-TCP",
      "bitmap:port",
      "Kubernetes nodeport TCP port with externalTrafficPolicy=local"),
  NODE_PORT_UDP(
      "KUBE-NODE-PORT-UDP", "bitmap:port", "Kubernetes nodeport UDP port for masquerade purpose"),
  NODE_PORT_LOCAL_UDP(
      "KUBE-NODE-PORT-LOCAL-UDP",
      "bitmap:port",
      "Kubernetes nodeport UDP port with externalTrafficPolicy=local"),
  NODE_PORT_SCTP(
      "KUBE-NODE-PORT-SCTP-HASH",
      "hash:ip,port",
      "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"),
  NODE_PORT_LOCAL_SCTP(
      "KUBE-NODE-PORT-LOCAL-SCTP-HASH",
      "hash:ip,port",
      "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'"),
  HEALTH_CHECK_NODE_PORT(
      "KUBE-HEALTH-CHECK-NODE-PORT", "bitmap:port", "Kubernetes health check node port"),
  IPVS_IPS("KUBE-IPVS-IPS", "hash:ip", "IPVS service ip");

  private final String baseName;
  private final String type;
  private final String comment;

  KubeIpset(String baseName, String type, String comment) {
    this.baseName = baseName;
    this.type = type;
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

  String type() {
    return type;
  }

  String comment() {
    return comment;
  }

  boolean isBitmap() {
    return type.startsWith("bitmap:");
  }

  /** The ipset create options, as upstream passes them. */
  String createOptions(boolean v6) {
    if (isBitmap()) {
      return "range 0-65535";
    }
    return "family " + (v6 ? "inet6" : "inet") + " hashsize 1024 maxelem 65536";
  }
}
