package io.kipvs.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IpLiteralsTest {
  @Test
  void readsEveryIpv4LiteralAsTheJdkDoes() throws Exception {
    Random random = new Random(7);
    for (int n = 0; n < 10_000; n++) {
      String text =
          random.nextInt(256)
              + "."
              + random.nextInt(256)
              + "."
              + random.nextInt(256)
              + "."
              + random.nextInt(256);
      assertThat(IpLiterals.parse(text)).as(text).contains(InetAddress.getByName(text));
    }
    assertThat(IpLiterals.parse("0.0.0.0")).contains(InetAddress.getByName("0.0.0.0"));
    assertThat(IpLiterals.parse("255.255.255.255"))
        .contains(InetAddress.getByName("255.255.255.255"));
  }

  @Test
  void readsLeadingZerosAsDecimalAsUpstreamDoes() throws Exception {
    assertThat(IpLiterals.parse("010.001.0.1")).contains(InetAddress.getByName("10.1.0.1"));
    assertThat(IpLiterals.parse("000.000.000.009")).contains(InetAddress.getByName("0.0.0.9"));
  }

  @Test
  void refusesWhatIsNotFourDecimalOctets() {
    for (String text :
        new String[] {
          "1.2.3",
          "1.2.3.4.5",
          "1.2.3.4.",
          ".1.2.3.4",
          "1..2.3",
          "1.2.3.256",
          "1.2.3.999",
          "1.2.3.0001",
          "1.2.3.4 ",
          " 1.2.3.4",
          "+1.2.3.4",
          "1.2.3.-4",
          "1.2.3.0x1",
          "1.2.3.a",
          "\u0663.1.2.3",
          "...",
          "1",
          "localhost"
        }) {
      assertThat(IpLiterals.parse(text)).as(text).isEmpty();
    }
  }

  @Test
  void tellsTheFamilyOfAnAddress() throws Exception {
    assertThat(IpLiterals.isV6(InetAddress.getByName("10.0.0.1"))).isFalse();
    assertThat(IpLiterals.isV6(InetAddress.getByName("2001:db8::1"))).isTrue();
    // The JDK reads an IPv4-mapped literal as the IPv4 address.
    assertThat(IpLiterals.isV6(IpLiterals.parse("::ffff:10.0.0.1").orElseThrow())).isFalse();
  }
}
