package io.kipvs.daemon.conntrack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link ConntrackConfig} to the node the way kube-proxy does at start: nf_conntrack_max
 * from the core count, the hash table size to match, and the TCP and UDP timeouts. Values equal to
 * the kernel's are not written.
 *
 * <p>Unlike kube-proxy, nf_conntrack_max is only ever raised: an administrator's higher limit is
 * kept, since lowering it can make the kernel drop new connections.
 */
public final class Conntracker {
  private static final Logger LOG = LoggerFactory.getLogger(Conntracker.class);

  private final Path procSys;
  private final Path sys;
  private final int cores;

  /**
   * @param procSys where /proc/sys is (a temporary directory in tests)
   * @param sys where /sys is
   * @param cores how many CPU cores the node has
   */
  public Conntracker(Path procSys, Path sys, int cores) {
    this.procSys = procSys;
    this.sys = sys;
    this.cores = cores;
  }

  /** The node's real /proc/sys and /sys, with the cores this process may use. */
  public static Conntracker forThisNode() {
    return new Conntracker(
        Path.of("/proc/sys"), Path.of("/sys"), Runtime.getRuntime().availableProcessors());
  }

  /**
   * Applies the settings and returns what it changed, e.g. "nf_conntrack_max=131072".
   *
   * @throws IOException when a file cannot be written (AccessDeniedException without privileges); a
   *     missing file says which and that nf_conntrack is probably not loaded
   */
  public List<String> apply(ConntrackConfig config) throws IOException {
    List<String> changed = new ArrayList<>();
    long max = config.conntrackMax(cores);
    if (max > 0) {
      setMax(max, changed);
    }
    setSeconds("nf_conntrack_tcp_timeout_established", config.tcpEstablishedTimeout(), changed);
    setSeconds("nf_conntrack_tcp_timeout_close_wait", config.tcpCloseWaitTimeout(), changed);
    if (config.tcpBeLiberal()) {
      setNetfilter("nf_conntrack_tcp_be_liberal", 1, changed);
    }
    setSeconds("nf_conntrack_udp_timeout", config.udpTimeout(), changed);
    setSeconds("nf_conntrack_udp_timeout_stream", config.udpStreamTimeout(), changed);
    return changed;
  }

  private void setMax(long max, List<String> changed) throws IOException {
    Path maxFile = netfilter("nf_conntrack_max");
    long current = read(maxFile);
    if (current < max) {
      write(maxFile, max);
      changed.add("nf_conntrack_max=" + max);
      LOG.info("set nf_conntrack_max to {} (was {})", max, current);
    } else {
      LOG.info("kept nf_conntrack_max at {} (wanted at least {})", current, max);
    }
    // The hash table should have a bucket per four entries. The kernel refuses this write from
    // outside the initial network namespace, so it is only done when needed, as kube-proxy does.
    Path hashsize = sys.resolve("module/nf_conntrack/parameters/hashsize");
    long buckets = read(hashsize);
    long wanted = Math.max(current, max) / 4;
    if (buckets >= wanted) {
      return;
    }
    try {
      write(hashsize, wanted);
      changed.add("hashsize=" + wanted);
      LOG.info("set the conntrack hashsize to {} (was {})", wanted, buckets);
    } catch (FileSystemException e) {
      if (e.getMessage() == null || !e.getMessage().contains("Read-only file system")) {
        throw e;
      }
      // Container runtimes may mount /sys read-only; kube-proxy carries on in that case too.
      LOG.warn(
          "cannot raise the conntrack hashsize to {}: {} is read-only; conntrack performance"
              + " may suffer",
          wanted,
          hashsize);
    }
  }

  private void setSeconds(String name, Duration timeout, List<String> changed) throws IOException {
    long seconds = timeout.toSeconds();
    if (seconds > 0) {
      setNetfilter(name, seconds, changed);
    }
  }

  private void setNetfilter(String name, long value, List<String> changed) throws IOException {
    Path file = netfilter(name);
    long current = read(file);
    if (current != value) {
      write(file, value);
      changed.add(name + "=" + value);
      LOG.info("set {} to {} (was {})", name, value, current);
    }
  }

  private Path netfilter(String name) {
    return procSys.resolve("net/netfilter").resolve(name);
  }

  private static long read(Path file) throws IOException {
    String text;
    try {
      text = KernelFiles.read(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          file.toString(), null, "missing: is the nf_conntrack module loaded?");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " holds \"" + text + "\", not a number", e);
    }
  }

  private static void write(Path file, long value) throws IOException {
    // Kernel files take one write of the whole value; no truncation games, no temp file.
    Files.writeString(file, Long.toString(value), StandardCharsets.US_ASCII);
  }
}
