package io.kipvs.ipvs.tool;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.AddressFamily;
import io.kipvs.ipvs.AddressText;
import io.kipvs.ipvs.ForwardingMethod;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.ServiceFlag;
import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.TunnelSettings;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Expected texts are ipvsadm 1.31's output for the same table, seen in a UML node. */
class IpvsadmFormatTest {
  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  private static RealServerStatus real(String address, int port, RealServerSettings settings)
      throws Exception {
    return new RealServerStatus(
        new RealServer(new RealServerKey(ip(address), port), settings), 0, 0, 0, Stats.ZERO);
  }

  private static VirtualServerStatus service(
      VirtualServerKey key, VirtualServerSettings settings, RealServerStatus... reals) {
    return new VirtualServerStatus(new VirtualServer(key, settings), Stats.ZERO, List.of(reals));
  }

  @Test
  void savePrintsAndSortsAsIpvsadm() throws Exception {
    var udp = new VirtualServerKey.Address(Protocol.UDP, ip("10.0.1.1"), 53);
    var sctp = new VirtualServerKey.Address(Protocol.SCTP, ip("10.0.1.2"), 3868);
    var tcp6 = new VirtualServerKey.Address(Protocol.TCP, ip("fd00::1"), 443);
    var tcpHigh = new VirtualServerKey.Address(Protocol.TCP, ip("192.168.0.1"), 80);
    var tcpLow = new VirtualServerKey.Address(Protocol.TCP, ip("10.0.0.1"), 80);
    var fw = new VirtualServerKey.Fwmark(AddressFamily.INET, 7);
    var fw6 = new VirtualServerKey.Fwmark(AddressFamily.INET6, 8);
    List<VirtualServerStatus> table =
        List.of(
            service(
                fw6,
                new VirtualServerSettings(
                    "mh", Set.of(ServiceFlag.SCHED1), 0, 128, Optional.empty())),
            service(
                fw,
                VirtualServerSettings.of("wrr", AddressFamily.INET),
                real(
                    "10.2.1.1",
                    0,
                    new RealServerSettings(ForwardingMethod.LOCAL, 1, 0, 0, TunnelSettings.IPIP))),
            service(
                tcp6,
                new VirtualServerSettings(
                    "rr", Set.of(ServiceFlag.PERSISTENT), 30, 64, Optional.empty()),
                real("fd00::2:1", 8443, RealServerSettings.masquerade(7))),
            service(
                sctp,
                new VirtualServerSettings(
                    "sh",
                    Set.of(ServiceFlag.PERSISTENT, ServiceFlag.SCHED1, ServiceFlag.SCHED2),
                    60,
                    0xffffff00,
                    Optional.empty()),
                real("10.3.0.1", 3868, RealServerSettings.masquerade(1))),
            service(
                udp,
                VirtualServerSettings.of("rr", AddressFamily.INET).withPersistence(300),
                real(
                    "10.2.0.4",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.TUNNEL, 2, 0, 0, new TunnelSettings(2, 0, 0))),
                real(
                    "10.2.0.3",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.TUNNEL, 2, 0, 0, new TunnelSettings(1, 6080, 1))),
                real(
                    "10.2.0.1",
                    53,
                    new RealServerSettings(
                        ForwardingMethod.DIRECT_ROUTE, 5, 100, 10, TunnelSettings.IPIP)),
                real(
                    "fd00::9",
                    53,
                    new RealServerSettings(ForwardingMethod.TUNNEL, 3, 0, 0, TunnelSettings.IPIP))),
            service(tcpLow, VirtualServerSettings.of("rr", AddressFamily.INET)),
            service(tcpHigh, VirtualServerSettings.of("rr", AddressFamily.INET)));
    // 192.168.0.1 sorts before 10.0.0.1: libipvs subtracts the addresses as 32-bit ints
    assertThat(IpvsadmFormat.save(table))
        .isEqualTo(
            """
            -A -t 192.168.0.1:80 -s rr
            -A -t 10.0.0.1:80 -s rr
            -A -u 10.0.1.1:53 -s rr -p 300
            -a -u 10.0.1.1:53 -r [fd00::9]:53 -i -w 3 --tun-type ipip
            -a -u 10.0.1.1:53 -r 10.2.0.1:53 -g -w 5
            -a -u 10.0.1.1:53 -r 10.2.0.3:53 -i -w 2 --tun-type gue --tun-port 6080 --tun-csum
            -a -u 10.0.1.1:53 -r 10.2.0.4:53 -i -w 2 --tun-type gre --tun-nocsum
            -A --sctp-service 10.0.1.2:3868 -s sh -p 60 -M 255.255.255.0 -b sh-fallback,sh-port
            -a --sctp-service 10.0.1.2:3868 -r 10.3.0.1:3868 -m -w 1
            -A -t [fd00::1]:443 -s rr -p 30 -M 64
            -a -t [fd00::1]:443 -r [fd00::2:1]:8443 -m -w 7
            -A -f 7 -s wrr
            -a -f 7 -r 10.2.1.1:0 -g -w 1
            -A -f 8 -6 -s mh -b mh-fallback
            """);
  }

  @Test
  void statsPrintsCountersAsIpvsadm() throws Exception {
    var tcp = new VirtualServerKey.Address(Protocol.TCP, ip("10.0.0.1"), 80);
    var status =
        new VirtualServerStatus(
            new VirtualServer(tcp, VirtualServerSettings.of("rr", AddressFamily.INET)),
            new Stats(12, 345, 0, 123_456_789_012L, 5_000_000_000_000_000L, 0, 0, 0, 0, 0),
            List.of(real("10.1.0.1", 8080, RealServerSettings.masquerade(1))));
    assertThat(IpvsadmFormat.stats(List.of(status)))
        .isEqualTo(
            "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
                + "  -> RemoteAddress:Port\n"
                + "TCP  10.0.0.1:80                        12      345        0     "
                + "123G    5000T\n"
                + "  -> 10.1.0.1:8080                       0        0        0        0        0\n");
  }

  @Test
  void ipv6TextFollowsInetNtop() throws Exception {
    assertThat(AddressText.of(ip("fd00:0:0:0:0:0:0:1"))).isEqualTo("fd00::1");
    assertThat(AddressText.of(ip("::"))).isEqualTo("::");
    assertThat(AddressText.of(ip("::1"))).isEqualTo("::1");
    assertThat(AddressText.of(ip("2001:db8:0:1:0:0:0:1"))).isEqualTo("2001:db8:0:1::1");
    assertThat(AddressText.of(ip("2001:db8::1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
    assertThat(AddressText.of(ip("1:0:1:0:1:0:1:0"))).isEqualTo("1:0:1:0:1:0:1:0");
    assertThat(AddressText.of(ip("fe80::"))).isEqualTo("fe80::");
    assertThat(
            AddressText.of(
                java.net.Inet6Address.getByAddress(
                    null, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 2, 3}, -1)))
        .isEqualTo("::10.1.2.3");
  }
}
