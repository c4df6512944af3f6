package io.kipvs.ipvs;

/** Placeholder until the generic netlink implementation lands (issue 3). */
final class GenericNetlinkIpvsClient {
  private GenericNetlinkIpvsClient() {}

  static IpvsClient open() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
