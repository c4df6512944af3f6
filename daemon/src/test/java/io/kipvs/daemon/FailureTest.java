package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.daemon.config.UsageException;
import io.kipvs.ipvs.IpvsUnavailableException;
import io.kipvs.ipvs.NetlinkException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailureTest {
  @Test
  void kernelWithoutIpvsExits1SayingSo() {
    Failure failure =
        Failure.of(new IpvsUnavailableException("generic netlink family IPVS not found"));
    assertThat(failure.exitCode()).isEqualTo(1);
    assertThat(failure.expected()).isTrue();
    assertThat(failure.message())
        .contains("the kernel has no IPVS")
        .contains("modprobe ip_vs")
        .contains("generic netlink family IPVS not found");
    // A message that already says what to do is not repeated.
    String explained = "IPVS is not available in this kernel (load the ip_vs module)";
    assertThat(Failure.of(new IpvsUnavailableException(explained)).message()).isEqualTo(explained);
  }

  @Test
  void epermSaysCapNetAdminIsNeeded() {
    NetlinkException eperm =
        new NetlinkException(1, Optional.empty(), "IPVS_CMD_NEW_SERVICE tcp 10.0.0.1:80", "EPERM");
    Failure failure = Failure.of(new RuntimeException("start failed", eperm));
    assertThat(failure.exitCode()).isEqualTo(1);
    assertThat(failure.message())
        .contains("CAP_NET_ADMIN")
        .contains("IPVS_CMD_NEW_SERVICE tcp 10.0.0.1:80");
  }

  @Test
  void deniedFileWriteSaysPrivilegesAreNeeded() {
    Failure failure =
        Failure.of(
            new UncheckedIOException(
                new AccessDeniedException("/proc/sys/net/netfilter/nf_conntrack_max")));
    assertThat(failure.exitCode()).isEqualTo(1);
    assertThat(failure.message())
        .contains("/proc/sys/net/netfilter/nf_conntrack_max")
        .contains("CAP_NET_ADMIN");
  }

  @Test
  void usageErrorsExit2() {
    Failure failure = Failure.of(new UsageException("invalid value \"x\" for flag --v"));
    assertThat(failure).isEqualTo(new Failure(2, "invalid value \"x\" for flag --v", true));
  }

  @Test
  void anythingElseExits1WithItsMessage() {
    assertThat(Failure.of(new IllegalStateException("boom")))
        .isEqualTo(new Failure(1, "boom", false));
    assertThat(Failure.of(new NullPointerException()).message())
        .isEqualTo("java.lang.NullPointerException");
  }
}
