package io.kipvs.e2e.bench;

import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.VirtualServerKey;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs in the node and sees each endpoint change of the benchmark arrive in the kernel. Reads a
 * plan file of lines {@code k vip port newIp}; for each k in order, reads only that virtual
 * server's real servers through our IPVS client (its brief read: one {@code getsockopt}, not the
 * whole table) every millisecond until {@code newIp} is there with weight 1, then asks the host's
 * clock ({@link HostClockServer}) a few times and prints {@code seen k nodeMicros
 * hostMinusNodeMicros rttMicros gapMicros}: when it saw the change on its own clock; how far that
 * clock was from the host's then (the exchange with the shortest round trip); and how long after
 * its previous read, which did not see the change yet. The change reached the kernel within that
 * gap, so a gap well over the millisecond of polling says that the probe itself was late. A node's
 * clock can be tens of milliseconds off the host's, so the host puts the sighting on its own clock
 * with that offset. At the end it prints {@code cpu millis}, its own CPU time.
 *
 * <p>It runs at the lowest priority: the node has one CPU, and a probe polling every millisecond
 * would otherwise take a good part of it from the daemon it measures. The kernel then runs it
 * whenever the daemon waits, so it sees a change at the latest when the daemon's sync is done.
 */
public final class ChangeProbeMain {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int CLOCK_EXCHANGES = 5;

  private ChangeProbeMain() {}

  public static void main(String[] args) throws IOException {
    List<String> plan = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
    long timeoutNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
    String[] hostClock = args[3].split(":");
    lowestPriority();
    try (IpvsClient ipvs = IpvsClient.open();
        Socket clock = new Socket(hostClock[0], Integer.parseInt(hostClock[1]));
        PrintStream out =
            new PrintStream(
                Files.newOutputStream(Path.of(args[1])), true, StandardCharsets.UTF_8)) {
      clock.setTcpNoDelay(true);
      HostClock host =
          new HostClock(new DataInputStream(clock.getInputStream()), clock.getOutputStream());
      // The first exchanges warm the connection and the code up.
      host.sample(20);
      out.println("ready");
      for (String line : plan) {
        String[] f = line.strip().split(" ");
        VirtualServerKey key =
            new VirtualServerKey.Address(
                Protocol.TCP, InetAddress.getByName(f[1]), Integer.parseInt(f[2]));
        InetAddress wanted = InetAddress.getByName(f[3]);
        long deadline = System.nanoTime() + timeoutNanos;
        long missed = System.nanoTime();
        while (!present(ipvs, key, wanted)) {
          missed = System.nanoTime();
          if (missed > deadline) {
            out.println("timeout " + f[0]);
            return;
          }
          LockSupport.parkNanos(POLL_NANOS);
        }
        long gapMicros = (System.nanoTime() - missed) / 1000;
        long seen = HostClockServer.epochMicros(Instant.now());
        long[] offset = host.sample(CLOCK_EXCHANGES);
        out.println(
            "seen " + f[0] + " " + seen + " " + offset[0] + " " + offset[1] + " " + gapMicros);
      }
      out.println(
          "cpu "
              + ((com.sun.management.OperatingSystemMXBean)
                          ManagementFactory.getOperatingSystemMXBean())
                      .getProcessCpuTime()
                  / 1_000_000);
    }
  }

  private static void lowestPriority() throws IOException {
    try {
      Process renice =
          new ProcessBuilder(
                  "renice", "-n", "19", "-p", Long.toString(ProcessHandle.current().pid()))
              .redirectErrorStream(true)
              .start();
      String out = new String(renice.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (renice.waitFor() != 0) {
        throw new IOException("renice failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static boolean present(IpvsClient ipvs, VirtualServerKey key, InetAddress wanted) {
    for (RealServerStatus r : ipvs.realServersBrief(key)) {
      if (r.server().key().address().equals(wanted) && r.server().settings().weight() > 0) {
        return true;
      }
    }
    return false;
  }

  /** The NTP-style exchange with {@link HostClockServer}. */
  private record HostClock(DataInputStream in, OutputStream out) {
    /** The host's clock minus ours, and the round trip, of the fastest of n exchanges (µs). */
    long[] sample(int n) throws IOException {
      long best = Long.MAX_VALUE;
      long offset = 0;
      for (int i = 0; i < n; i++) {
        long t0 = HostClockServer.epochMicros(Instant.now());
        out.write(1);
        out.flush();
        long host = in.readLong();
        long t1 = HostClockServer.epochMicros(Instant.now());
        if (t1 - t0 < best) {
          best = t1 - t0;
          offset = host - (t0 + t1) / 2;
        }
      }
      return new long[] {offset, best};
    }
  }
}
