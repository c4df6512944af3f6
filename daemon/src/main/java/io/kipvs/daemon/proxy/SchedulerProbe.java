package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.AddressFamily;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Checks at start-up that the kernel has the default scheduler, as kube-proxy does: by making a
 * probe virtual server with it and deleting it again. The kernel loads a scheduler module on
 * demand, so asking it is the only reliable test; a scheduler it lacks would otherwise fail every
 * service at every sync.
 */
final class SchedulerProbe {
  private static final int EEXIST = 17;

  /**
   * An address from TEST-NET-2 (RFC 5737), which no cluster uses for services. A probe left by a
   * crash lies outside --ipvs-exclude-cidrs like any stale virtual server, so a full sync removes
   * it.
   */
  static final VirtualServerKey PROBE =
      new VirtualServerKey.Address(Protocol.TCP, probeAddress(), 20000);

  private SchedulerProbe() {}

  /**
   * @throws SchedulerUnavailableException naming the scheduler when the kernel refuses it
   */
  static void check(IpvsClient ipvs, String scheduler) {
    VirtualServer probe =
        new VirtualServer(PROBE, VirtualServerSettings.of(scheduler, AddressFamily.INET));
    try {
      add(ipvs, probe);
    } catch (NetlinkException e) {
      throw new SchedulerUnavailableException(
          "IPVS scheduler \""
              + scheduler
              + "\" (--ipvs-scheduler) is not available in this kernel: load its module"
              + " (modprobe ip_vs_"
              + scheduler
              + ") or choose another scheduler; the kernel refused a probe virtual server: "
              + e.getMessage(),
          e);
    }
    ipvs.deleteVirtualServer(PROBE);
  }

  private static void add(IpvsClient ipvs, VirtualServer probe) {
    try {
      ipvs.addVirtualServer(probe);
    } catch (NetlinkException e) {
      if (e.errno() != EEXIST) {
        throw e;
      }
      // Left by a daemon that died between add and delete.
      ipvs.deleteVirtualServer(PROBE);
      ipvs.addVirtualServer(probe);
    }
  }

  private static InetAddress probeAddress() {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }
}
