package io.kipvs.daemon.conntrack;

import java.time.Duration;
import java.util.Objects;

/**
 * The conntrack settings kube-proxy applies to the node (conntrack section of the configuration).
 * Zero values leave the kernel's value alone.
 *
 * @param maxPerCore nf_conntrack_max per CPU core; 0 leaves nf_conntrack_max (and min) alone
 * @param min lower bound of nf_conntrack_max whatever the core count
 * @param tcpEstablishedTimeout nf_conntrack_tcp_timeout_established
 * @param tcpCloseWaitTimeout nf_conntrack_tcp_timeout_close_wait
 * @param tcpBeLiberal whether to set nf_conntrack_tcp_be_liberal=1
 * @param udpTimeout nf_conntrack_udp_timeout
 * @param udpStreamTimeout nf_conntrack_udp_timeout_stream
 */
public record ConntrackConfig(
    int maxPerCore,
    int min,
    Duration tcpEstablishedTimeout,
    Duration tcpCloseWaitTimeout,
    boolean tcpBeLiberal,
    Duration udpTimeout,
    Duration udpStreamTimeout) {

  /** kube-proxy's defaults. */
  public static final ConntrackConfig DEFAULTS =
      new ConntrackConfig(
          32768,
          131072,
          Duration.ofHours(24),
          Duration.ofHours(1),
          false,
          Duration.ZERO,
          Duration.ZERO);

  public ConntrackConfig {
    if (maxPerCore < 0 || min < 0) {
      throw new IllegalArgumentException("conntrack limits must not be negative");
    }
    Objects.requireNonNull(tcpEstablishedTimeout, "tcpEstablishedTimeout");
    Objects.requireNonNull(tcpCloseWaitTimeout, "tcpCloseWaitTimeout");
    Objects.requireNonNull(udpTimeout, "udpTimeout");
    Objects.requireNonNull(udpStreamTimeout, "udpStreamTimeout");
  }

  /**
   * The nf_conntrack_max to set for this many cores: max(maxPerCore * cores, min), or 0 when
   * maxPerCore is 0 (leave the kernel's value).
   */
  public long conntrackMax(int cores) {
    if (maxPerCore == 0) {
      return 0;
    }
    return Math.max((long) maxPerCore * cores, min);
  }
}
