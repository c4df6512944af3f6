package io.kipvs.daemon.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs against a real directory tree laid out as /proc/sys and /sys. */
class ConntrackerTest {
  @TempDir Path root;
  Path procSys;
  Path sys;

  @BeforeEach
  void kernelFiles() throws IOException {
    procSys = root.resolve("proc/sys");
    sys = root.resolve("sys");
    Path netfilter = procSys.resolve("net/netfilter");
    Files.createDirectories(netfilter);
    Files.createDirectories(sys.resolve("module/nf_conntrack/parameters"));
    put(netfilter.resolve("nf_conntrack_max"), 65536);
    put(sys.resolve("module/nf_conntrack/parameters/hashsize"), 16384);
    put(netfilter.resolve("nf_conntrack_tcp_timeout_established"), 432000);
    put(netfilter.resolve("nf_conntrack_tcp_timeout_close_wait"), 60);
    put(netfilter.resolve("nf_conntrack_tcp_be_liberal"), 0);
    put(netfilter.resolve("nf_conntrack_udp_timeout"), 30);
    put(netfilter.resolve("nf_conntrack_udp_timeout_stream"), 120);
  }

  private static void put(Path file, long value) throws IOException {
    Files.writeString(file, value + "\n");
  }

  private long netfilter(String name) throws IOException {
    return Long.parseLong(Files.readString(procSys.resolve("net/netfilter/" + name)).strip());
  }

  private long hashsize() throws IOException {
    return Long.parseLong(
        Files.readString(sys.resolve("module/nf_conntrack/parameters/hashsize")).strip());
  }

  @Test
  void maxIsPerCoreTimesCoresWithAFloor() {
    assertThat(ConntrackConfig.DEFAULTS.conntrackMax(2)).isEqualTo(131072);
    assertThat(ConntrackConfig.DEFAULTS.conntrackMax(8)).isEqualTo(262144);
    assertThat(ConntrackConfig.DEFAULTS.conntrackMax(1)).isEqualTo(131072);
    ConntrackConfig leave =
        new ConntrackConfig(
            0, 131072, Duration.ZERO, Duration.ZERO, false, Duration.ZERO, Duration.ZERO);
    assertThat(leave.conntrackMax(64)).isZero();
  }

  @Test
  void appliesKubeProxyDefaults() throws IOException {
    var changed = new Conntracker(procSys, sys, 8).apply(ConntrackConfig.DEFAULTS);
    assertThat(netfilter("nf_conntrack_max")).isEqualTo(262144);
    assertThat(hashsize()).isEqualTo(65536);
    assertThat(netfilter("nf_conntrack_tcp_timeout_established")).isEqualTo(86400);
    assertThat(netfilter("nf_conntrack_tcp_timeout_close_wait")).isEqualTo(3600);
    // Zero or false: left as the kernel had them.
    assertThat(netfilter("nf_conntrack_tcp_be_liberal")).isZero();
    assertThat(netfilter("nf_conntrack_udp_timeout")).isEqualTo(30);
    assertThat(netfilter("nf_conntrack_udp_timeout_stream")).isEqualTo(120);
    assertThat(changed)
        .containsExactly(
            "nf_conntrack_max=262144",
            "hashsize=65536",
            "nf_conntrack_tcp_timeout_established=86400",
            "nf_conntrack_tcp_timeout_close_wait=3600");
  }

  @Test
  void secondRunChangesNothing() throws IOException {
    Conntracker conntracker = new Conntracker(procSys, sys, 8);
    conntracker.apply(ConntrackConfig.DEFAULTS);
    assertThat(conntracker.apply(ConntrackConfig.DEFAULTS)).isEmpty();
  }

  @Test
  void neverLowersAHigherLimitNorShrinksTheHashTable() throws IOException {
    put(procSys.resolve("net/netfilter/nf_conntrack_max"), 1_000_000);
    put(sys.resolve("module/nf_conntrack/parameters/hashsize"), 262144);
    var changed = new Conntracker(procSys, sys, 2).apply(ConntrackConfig.DEFAULTS);
    assertThat(netfilter("nf_conntrack_max")).isEqualTo(1_000_000);
    assertThat(hashsize()).isEqualTo(262144);
    assertThat(changed).noneMatch(c -> c.startsWith("nf_conntrack_max") || c.startsWith("hash"));
  }

  @Test
  void hashTableFollowsAnExistingHigherLimit() throws IOException {
    put(procSys.resolve("net/netfilter/nf_conntrack_max"), 1_000_000);
    new Conntracker(procSys, sys, 2).apply(ConntrackConfig.DEFAULTS);
    assertThat(hashsize()).isEqualTo(250_000);
  }

  @Test
  void zeroLeavesEverythingAlone() throws IOException {
    ConntrackConfig leave =
        new ConntrackConfig(
            0, 131072, Duration.ZERO, Duration.ZERO, false, Duration.ZERO, Duration.ZERO);
    assertThat(new Conntracker(procSys, sys, 64).apply(leave)).isEmpty();
    assertThat(netfilter("nf_conntrack_max")).isEqualTo(65536);
    assertThat(hashsize()).isEqualTo(16384);
    assertThat(netfilter("nf_conntrack_tcp_timeout_established")).isEqualTo(432000);
  }

  @Test
  void optionalSettingsWhenAsked() throws IOException {
    ConntrackConfig config =
        new ConntrackConfig(
            0,
            0,
            Duration.ofMinutes(10),
            Duration.ofSeconds(90),
            true,
            Duration.ofSeconds(45),
            Duration.ofMinutes(3));
    new Conntracker(procSys, sys, 4).apply(config);
    assertThat(netfilter("nf_conntrack_tcp_timeout_established")).isEqualTo(600);
    assertThat(netfilter("nf_conntrack_tcp_timeout_close_wait")).isEqualTo(90);
    assertThat(netfilter("nf_conntrack_tcp_be_liberal")).isEqualTo(1);
    assertThat(netfilter("nf_conntrack_udp_timeout")).isEqualTo(45);
    assertThat(netfilter("nf_conntrack_udp_timeout_stream")).isEqualTo(180);
  }

  @Test
  void missingModuleIsNamed() throws IOException {
    Files.delete(procSys.resolve("net/netfilter/nf_conntrack_max"));
    assertThatThrownBy(() -> new Conntracker(procSys, sys, 2).apply(ConntrackConfig.DEFAULTS))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("nf_conntrack_max")
        .hasMessageContaining("nf_conntrack module");
  }

  @Test
  void garbageInAKernelFileIsNamed() throws IOException {
    Files.writeString(procSys.resolve("net/netfilter/nf_conntrack_max"), "lots\n");
    assertThatThrownBy(() -> new Conntracker(procSys, sys, 2).apply(ConntrackConfig.DEFAULTS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("nf_conntrack_max")
        .hasMessageContaining("lots");
  }
}
