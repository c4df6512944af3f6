package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.cidr;
import static io.kipvs.daemon.proxy.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressesTest {
  @ParameterizedTest
  @CsvSource({
    "10.96.0.1, 10.96.0.1",
    "fd00:96:0:0:0:0:0:10, fd00:96::10",
    "0:0:0:0:0:0:0:1, ::1",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    "fe80:0:0:0:0:0:0:0, fe80::"
  })
  void printsAsIpsetDoes(String in, String out) {
    assertThat(Addresses.text(ip(in))).isEqualTo(out);
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/8, 10.255.1.1, true",
    "10.0.0.0/8, 11.0.0.1, false",
    "192.168.1.0/25, 192.168.1.127, true",
    "192.168.1.0/25, 192.168.1.128, false",
    "0.0.0.0/0, 1.2.3.4, true",
    "fd00::/64, fd00::5, true",
    "fd00::/64, 10.0.0.1, false"
  })
  void contains(String range, String address, boolean expected) {
    assertThat(Addresses.contains(cidr(range), ip(address))).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void describesVirtualServersForLogs() {
    assertThat(Addresses.describe(Fixtures.tcp("10.96.0.10", 80))).isEqualTo("tcp 10.96.0.10:80");
    assertThat(
            Addresses.describe(
                new io.kipvs.ipvs.VirtualServerKey.Address(
                    io.kipvs.ipvs.Protocol.UDP, ip("fd00::a"), 53)))
        .isEqualTo("udp [fd00::a]:53");
  }
}
