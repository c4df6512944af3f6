package io.kipvs.ipvs;

import java.net.Inet6Address;
import java.net.InetAddress;

/** How requests are named in error messages: the command and the objects, as ipvsadm shows them. */
final class Describe {
  private Describe() {}

  static String key(VirtualServerKey key) {
    if (key instanceof VirtualServerKey.Fwmark f) {
      return "fwmark "
          + Integer.toUnsignedString(f.mark())
          + (f.family() == AddressFamily.INET6 ? " IPv6" : "");
    }
    VirtualServerKey.Address a = (VirtualServerKey.Address) key;
    return a.protocol().lowerName() + " " + hostPort(a.address(), a.port());
  }

  static String hostPort(InetAddress address, int port) {
    String host = AddressText.of(address);
    return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
  }

  static String operation(IpvsOperation op) {
    if (op instanceof IpvsOperation.AddVirtualServer o) {
      return "IPVS_CMD_NEW_SERVICE "
          + key(o.server().key())
          + " scheduler "
          + o.server().settings().scheduler();
    }
    if (op instanceof IpvsOperation.UpdateVirtualServer o) {
      return "IPVS_CMD_SET_SERVICE "
          + key(o.server().key())
          + " scheduler "
          + o.server().settings().scheduler();
    }
    if (op instanceof IpvsOperation.DeleteVirtualServer o) {
      return "IPVS_CMD_DEL_SERVICE " + key(o.key());
    }
    if (op instanceof IpvsOperation.AddRealServer o) {
      return "IPVS_CMD_NEW_DEST " + key(o.virtualServer()) + " -> " + real(o.server().key());
    }
    if (op instanceof IpvsOperation.UpdateRealServer o) {
      return "IPVS_CMD_SET_DEST " + key(o.virtualServer()) + " -> " + real(o.server().key());
    }
    IpvsOperation.DeleteRealServer o = (IpvsOperation.DeleteRealServer) op;
    return "IPVS_CMD_DEL_DEST " + key(o.virtualServer()) + " -> " + real(o.server());
  }

  private static String real(RealServerKey key) {
    return hostPort(key.address(), key.port());
  }
}
