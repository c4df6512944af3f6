package io.kipvs.daemon.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The kernel settings IPVS mode needs, written straight into /proc/sys, only when different. */
final class Sysctls {
  private static final Logger LOG = LoggerFactory.getLogger(Sysctls.class);
  private final Path root;

  Sysctls(Path root) {
    this.root = root;
  }

  /**
   * What upstream sets: IPVS conntrack (so masquerading works), dropping connections to deleted
   * real servers and stale persistence templates, forwarding, conn_reuse_mode=0 on kernels from 4.1
   * to before 5.9 (where it causes 1 s delays), and the strict-ARP pair when asked.
   */
  static Map<String, String> wanted(boolean strictArp, Optional<int[]> kernelVersion) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("net/ipv4/vs/conntrack", "1");
    m.put("net/ipv4/vs/expire_nodest_conn", "1");
    m.put("net/ipv4/vs/expire_quiescent_template", "1");
    m.put("net/ipv4/ip_forward", "1");
    if (kernelVersion.isPresent()) {
      int[] v = kernelVersion.get();
      boolean atLeast41 = v[0] > 4 || (v[0] == 4 && v[1] >= 1);
      boolean atLeast59 = v[0] > 5 || (v[0] == 5 && v[1] >= 9);
      if (atLeast41 && !atLeast59) {
        m.put("net/ipv4/vs/conn_reuse_mode", "0");
      }
    }
    if (strictArp) {
      m.put("net/ipv4/conf/all/arp_ignore", "1");
      m.put("net/ipv4/conf/all/arp_announce", "2");
    }
    return m;
  }

  /** "6.1.0-18-amd64" -> {6, 1}. */
  static Optional<int[]> parseKernelVersion(String release) {
    String[] parts = release.trim().split("[.\\-+]");
    try {
      return Optional.of(new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])});
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  Optional<int[]> kernelVersion() {
    try {
      return parseKernelVersion(read(root.resolve("kernel/osrelease")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The whole file, read to its end through a stream: procfs files report size 0, and
   * Files.readString was seen returning only their first byte on the UML kernel.
   */
  static String read(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
    }
  }

  /** Sets each; a failure names the sysctl and the cause. */
  void apply(Map<String, String> wanted) {
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      Path p = root.resolve(e.getKey());
      try {
        String now = read(p);
        if (!now.equals(e.getValue())) {
          Files.writeString(p, e.getValue());
          LOG.info("Set sysctl {} to {} (was {})", e.getKey(), e.getValue(), now);
        }
      } catch (IOException ex) {
        throw new UncheckedIOException(
            "cannot set sysctl " + e.getKey() + "=" + e.getValue() + ": " + ex, ex);
      }
    }
  }
}
