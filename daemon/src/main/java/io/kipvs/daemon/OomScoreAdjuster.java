package io.kipvs.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a process's oom_score_adj, as kube-proxy does for itself at start (--oom-score-adj,
 * default -999: the kernel's OOM killer leaves the node's proxy for last).
 */
final class OomScoreAdjuster {
  private final Path file;

  OomScoreAdjuster(Path file) {
    this.file = file;
  }

  /** This JVM's /proc/self/oom_score_adj. */
  static OomScoreAdjuster forThisProcess() {
    return new OomScoreAdjuster(Path.of("/proc/self/oom_score_adj"));
  }

  /** Another process's /proc/PID/oom_score_adj. */
  static OomScoreAdjuster forProcess(long pid) {
    return new OomScoreAdjuster(Path.of("/proc", Long.toString(pid), "oom_score_adj"));
  }

  /**
   * Writes the value and returns what the kernel then reports.
   *
   * @throws IOException when the kernel refuses it (lowering it needs CAP_SYS_RESOURCE)
   */
  int apply(int value) throws IOException {
    Files.writeString(file, Integer.toString(value), StandardCharsets.US_ASCII);
    return current();
  }

  int current() throws IOException {
    return Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).strip());
  }

  @Override
  public String toString() {
    return file.toString();
  }
}
