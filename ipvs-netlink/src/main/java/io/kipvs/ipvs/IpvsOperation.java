package io.kipvs.ipvs;

/** One write to the kernel's IPVS table, as a batch carries it. */
public sealed interface IpvsOperation {

  record AddVirtualServer(VirtualServer server) implements IpvsOperation {}

  record UpdateVirtualServer(VirtualServer server) implements IpvsOperation {}

  record DeleteVirtualServer(VirtualServerKey key) implements IpvsOperation {}

  record AddRealServer(VirtualServerKey virtualServer, RealServer server)
      implements IpvsOperation {}

  record UpdateRealServer(VirtualServerKey virtualServer, RealServer server)
      implements IpvsOperation {}

  record DeleteRealServer(VirtualServerKey virtualServer, RealServerKey server)
      implements IpvsOperation {}
}
