package io.kipvs.e2e.bench;

import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.VirtualServerKey;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
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
 * server's real servers through our netlink client (one small dump, not the whole table) every
 * millisecond until {@code newIp} is there with weight 1, then prints {@code seen k epochMicros}.
 * The host and the node share one machine clock, so the host compares these times with its API
 * write times.
 */
public final class ChangeProbeMain {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private ChangeProbeMain() {}

  public static void main(String[] args) throws IOException {
    List<String> plan = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
    long timeoutNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
    try (IpvsClient ipvs = IpvsClient.open();
        PrintStream out =
            new PrintStream(
                Files.newOutputStream(Path.of(args[1])), true, StandardCharsets.UTF_8)) {
      out.println("ready");
      for (String line : plan) {
        String[] f = line.strip().split(" ");
        VirtualServerKey key =
            new VirtualServerKey.Address(
                Protocol.TCP, InetAddress.getByName(f[1]), Integer.parseInt(f[2]));
        InetAddress wanted = InetAddress.getByName(f[3]);
        long deadline = System.nanoTime() + timeoutNanos;
        while (!present(ipvs, key, wanted)) {
          if (System.nanoTime() > deadline) {
            out.println("timeout " + f[0]);
            return;
          }
          LockSupport.parkNanos(POLL_NANOS);
        }
        Instant seen = Instant.now();
        out.println(
            "seen " + f[0] + " " + (seen.getEpochSecond() * 1_000_000 + seen.getNano() / 1000));
      }
    }
  }

  private static boolean present(IpvsClient ipvs, VirtualServerKey key, InetAddress wanted) {
    for (RealServerStatus r : ipvs.realServers(key)) {
      if (r.server().key().address().equals(wanted) && r.server().settings().weight() > 0) {
        return true;
      }
    }
    return false;
  }
}
