package io.kipvs.e2e.testbed;

/**
 * The addressing plan inside a testbed (it never leaves UML, so any plan works). Every node and pod
 * is dual-stack: next to {@code 10.244.N.H} a pod has {@code fd00:244:N::H} (the host part written
 * with the same digits), next to {@code 192.168.50.N} a node has {@code fd00:50::N} on its switch.
 */
final class PodAddressing {
  private PodAddressing() {}

  static String cidr(int nodeIndex) {
    return "10.244." + nodeIndex + ".0/24";
  }

  static String cidr6(int nodeIndex) {
    return "fd00:244:" + nodeIndex + "::/64";
  }

  static String gateway(int nodeIndex) {
    return address(nodeIndex, 1);
  }

  /** The node's IPv6 address in its pod CIDR (on lo). */
  static String gateway6(int nodeIndex) {
    return address6(nodeIndex, 1);
  }

  static String address(int nodeIndex, int host) {
    return "10.244." + nodeIndex + "." + host;
  }

  static String address6(int nodeIndex, int host) {
    return "fd00:244:" + nodeIndex + "::" + host;
  }

  /** The IPv6 address paired with an IPv4 one: the node's prefix and the IPv4's last number. */
  static String address6For(int nodeIndex, String ipv4) {
    return address6(nodeIndex, Integer.parseInt(ipv4.substring(ipv4.lastIndexOf('.') + 1)));
  }

  /** The node's address on the switch segment, with prefix. */
  static String switchAddress(int nodeIndex) {
    return "192.168.50." + nodeIndex + "/24";
  }

  /** The node's IPv6 address on the switch segment, with prefix. */
  static String switchAddress6(int nodeIndex) {
    return "fd00:50::" + nodeIndex + "/64";
  }

  /**
   * The pods' IPv6 gateway: a link-local address on the node's end of every pod's veth. (A node
   * answers IPv6 neighbour solicitations only for addresses of the link they arrive on, unlike ARP
   * for IPv4, so the pod CIDR's address on lo cannot be the gateway.)
   */
  static final String LINK_GATEWAY6 = "fe80::1";
}
