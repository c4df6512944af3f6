package io.kipvs.ipvs;

/** Adds what an IPVS errno means for the request that got it, as ipvsadm explains them. */
final class IpvsErrors {
  private static final int ENOENT = 2;
  private static final int ESRCH = 3;
  private static final int EEXIST = 17;
  private static final int EINVAL = 22;

  private IpvsErrors() {}

  static NetlinkException explain(NetlinkException e, IpvsOperation operation) {
    String hint = hint(e.errno(), operation);
    if (hint == null) {
      return e;
    }
    NetlinkException explained =
        new NetlinkException(
            e.errno(), e.kernelMessage(), e.request(), e.getMessage() + ": " + hint);
    explained.setStackTrace(e.getStackTrace());
    return explained;
  }

  private static String hint(int errno, IpvsOperation operation) {
    if (operation instanceof IpvsOperation.AddVirtualServer
        || operation instanceof IpvsOperation.UpdateVirtualServer) {
      VirtualServer server =
          operation instanceof IpvsOperation.AddVirtualServer add
              ? add.server()
              : ((IpvsOperation.UpdateVirtualServer) operation).server();
      return switch (errno) {
        case ENOENT ->
            "scheduler '"
                + server.settings().scheduler()
                + "'"
                + server
                    .settings()
                    .persistenceEngine()
                    .map(pe -> " or persistence engine '" + pe + "'")
                    .orElse("")
                + " not found in this kernel (is its ip_vs_ module loaded?)";
        case EEXIST -> "the virtual service already exists";
        case ESRCH -> "no such virtual service";
        default -> null;
      };
    }
    if (operation instanceof IpvsOperation.DeleteVirtualServer) {
      return errno == ESRCH ? "no such virtual service" : null;
    }
    return switch (errno) {
      case ESRCH -> "no such virtual service";
      case EEXIST -> "the real server already exists in this virtual service";
      case ENOENT -> "no such real server in this virtual service";
      case EINVAL ->
          isMixedFamily(operation)
              ? "a real server of another address family than its virtual service needs tunnel"
                  + " forwarding"
              : null;
      default -> null;
    };
  }

  private static boolean isMixedFamily(IpvsOperation operation) {
    if (operation instanceof IpvsOperation.AddRealServer add) {
      return add.virtualServer().family() != add.server().key().family();
    }
    if (operation instanceof IpvsOperation.UpdateRealServer update) {
      return update.virtualServer().family() != update.server().key().family();
    }
    return false;
  }
}
