package io.kipvs.rtnl;

/** Placeholder until the rtnetlink implementation lands (issue 3). */
final class NetlinkRouteClient {
  private NetlinkRouteClient() {}

  static RouteNetlinkClient open() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
