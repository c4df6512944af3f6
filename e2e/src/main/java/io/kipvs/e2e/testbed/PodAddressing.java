package io.kipvs.e2e.testbed;

/** The addressing plan inside a testbed (it never leaves UML, so any plan works). */
final class PodAddressing {
  private PodAddressing() {}

  static String cidr(int nodeIndex) {
    return "10.244." + nodeIndex + ".0/24";
  }

  static String gateway(int nodeIndex) {
    return address(nodeIndex, 1);
  }

  static String address(int nodeIndex, int host) {
    return "10.244." + nodeIndex + "." + host;
  }

  /** The node's address on the switch segment, with prefix. */
  static String switchAddress(int nodeIndex) {
    return "192.168.50." + nodeIndex + "/24";
  }
}
