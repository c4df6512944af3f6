package io.kipvs.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written equals and hashCode of the hashed model values keep the records' contract. */
class ModelEqualityTest {
  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  /** {@code same} equals {@code value} with the same hash; each of {@code others} differs. */
  private static void equalOnlyToTheSame(Object value, Object same, List<?> others) {
    assertThat(value).isEqualTo(value).isEqualTo(same).isNotEqualTo(null).isNotEqualTo("other");
    assertThat(same).isEqualTo(value);
    assertThat(value.hashCode()).isEqualTo(same.hashCode());
    for (Object other : others) {
      assertThat(value).as("against %s", other).isNotEqualTo(other);
      assertThat(other).as("against %s", value).isNotEqualTo(value);
    }
  }

  @Test
  void addressKeys() throws Exception {
    var key = new VirtualServerKey.Address(Protocol.TCP, ip("10.96.0.1"), 80);
    equalOnlyToTheSame(
        key,
        new VirtualServerKey.Address(Protocol.TCP, ip("10.96.0.1"), 80),
        List.of(
            new VirtualServerKey.Address(Protocol.UDP, ip("10.96.0.1"), 80),
            new VirtualServerKey.Address(Protocol.TCP, ip("10.96.0.2"), 80),
            new VirtualServerKey.Address(Protocol.TCP, ip("10.96.0.1"), 81),
            new VirtualServerKey.Fwmark(AddressFamily.INET, 80)));
  }

  @Test
  void firewallMarkKeys() {
    equalOnlyToTheSame(
        new VirtualServerKey.Fwmark(AddressFamily.INET, 7),
        new VirtualServerKey.Fwmark(AddressFamily.INET, 7),
        List.of(
            new VirtualServerKey.Fwmark(AddressFamily.INET6, 7),
            new VirtualServerKey.Fwmark(AddressFamily.INET, 8)));
  }

  @Test
  void realServerKeys() throws Exception {
    equalOnlyToTheSame(
        new RealServerKey(ip("10.244.0.1"), 8080),
        new RealServerKey(ip("10.244.0.1"), 8080),
        List.of(
            new RealServerKey(ip("10.244.0.2"), 8080), new RealServerKey(ip("10.244.0.1"), 8081)));
  }

  @Test
  void realServerSettings() {
    var settings =
        new RealServerSettings(ForwardingMethod.MASQUERADE, 3, 10, 5, new TunnelSettings(1, 2, 3));
    equalOnlyToTheSame(
        settings,
        new RealServerSettings(ForwardingMethod.MASQUERADE, 3, 10, 5, new TunnelSettings(1, 2, 3)),
        List.of(
            new RealServerSettings(ForwardingMethod.TUNNEL, 3, 10, 5, new TunnelSettings(1, 2, 3)),
            new RealServerSettings(
                ForwardingMethod.MASQUERADE, 4, 10, 5, new TunnelSettings(1, 2, 3)),
            new RealServerSettings(
                ForwardingMethod.MASQUERADE, 3, 11, 5, new TunnelSettings(1, 2, 3)),
            new RealServerSettings(
                ForwardingMethod.MASQUERADE, 3, 10, 6, new TunnelSettings(1, 2, 3)),
            new RealServerSettings(
                ForwardingMethod.MASQUERADE, 3, 10, 5, new TunnelSettings(1, 2, 4))));
    equalOnlyToTheSame(
        RealServerSettings.masquerade(1),
        new RealServerSettings(ForwardingMethod.MASQUERADE, 1, 0, 0, TunnelSettings.IPIP),
        List.of(RealServerSettings.masquerade(0), RealServerSettings.masquerade(2)));
  }

  @Test
  void realServers() throws Exception {
    var key = new RealServerKey(ip("10.244.0.1"), 8080);
    equalOnlyToTheSame(
        new RealServer(key, RealServerSettings.masquerade(1)),
        new RealServer(new RealServerKey(ip("10.244.0.1"), 8080), RealServerSettings.masquerade(1)),
        List.of(
            new RealServer(key, RealServerSettings.masquerade(0)),
            new RealServer(
                new RealServerKey(ip("10.244.0.1"), 8081), RealServerSettings.masquerade(1))));
  }
}
