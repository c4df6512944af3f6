package io.kipvs.e2e.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A JVM running in the background inside a node, started by {@link Node#startJava}. Its standard
 * output and error go to {@link #logFile()} (in the node's output folder, readable from the host
 * while it runs).
 */
public final class JavaProcess {
  /**
   * JVM options for a node, where every page fault, system call and thread wake-up is slow: C1
   * only, serial GC, no perf data file, for a quick start. And no periodic wake-ups of the JVM's
   * own threads: by default the monitor deflation thread checks four times a second and the VM
   * thread once a second, and in a node each wake-up costs milliseconds of CPU, more the more
   * memory the JVM holds (4 to 8 ms with 300 MB live). With these two diagnostic flags, monitors
   * are still deflated every 60 s (GuaranteedAsyncDeflationInterval), and safepoint clean-up runs
   * at the safepoints the JVM takes anyway (GC).
   */
  public static final List<String> FAST_START_OPTIONS =
      List.of(
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-XX:-UsePerfData",
          "-Xshare:auto",
          "-XX:+UnlockDiagnosticVMOptions",
          "-XX:AsyncDeflationInterval=0",
          "-XX:GuaranteedSafepointInterval=0");

  private static final Duration POLL = Duration.ofMillis(50);

  private final Node node;
  private final String id;
  private final String mainClass;
  private final long pid;

  private JavaProcess(Node node, String id, String mainClass, long pid) {
    this.node = node;
    this.id = id;
    this.mainClass = mainClass;
    this.pid = pid;
  }

  static JavaProcess start(Node node, String id, String mainClass, List<String> command) {
    String out = Node.OUTPUT_DIR_IN_NODE + "/" + id;
    String commandLine = command.stream().map(Shell::quote).collect(Collectors.joining(" "));
    String script =
        """
        ( setsid %1$s >%2$s.log 2>&1 </dev/null &
          echo $! > %2$s.pid.tmp && mv %2$s.pid.tmp %2$s.pid
          wait $!
          echo $? > %2$s.exit.tmp && mv %2$s.exit.tmp %2$s.exit
        ) >/dev/null 2>&1 </dev/null &
        i=0
        until [ -s %2$s.pid ]; do
          i=$((i+1)); [ $i -lt 200 ] || { echo "no PID file" >&2; exit 1; }
          sleep 0.05
        done
        cat %2$s.pid
        """
            .formatted(commandLine, out);
    long pid = Long.parseLong(node.run(script).strip());
    return new JavaProcess(node, id, mainClass, pid);
  }

  /** The JVM's PID inside the node. */
  public long pid() {
    return pid;
  }

  public String mainClass() {
    return mainClass;
  }

  public Node node() {
    return node;
  }

  /** Host path of the JVM's output (stdout and stderr). */
  public Path logFile() {
    return node.outputDir().resolve(id + ".log");
  }

  /** What the JVM printed so far. */
  public String log() {
    try {
      // Lenient decoding: a log may hold bytes that are not UTF-8.
      return Files.exists(logFile())
          ? new String(Files.readAllBytes(logFile()), StandardCharsets.UTF_8)
          : "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + logFile(), e);
    }
  }

  /** The log's lines whose newline has been written: a line still being printed is left out. */
  public Stream<String> completeLogLines() {
    return CompleteLines.of(log());
  }

  /** Its exit code, once it ended. */
  public OptionalInt exitCode() {
    Path file = node.outputDir().resolve(id + ".exit");
    try {
      if (!Files.exists(file)) {
        return OptionalInt.empty();
      }
      return OptionalInt.of(Integer.parseInt(Files.readString(file).strip()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public boolean isAlive() {
    return exitCode().isEmpty() && node.isRunning();
  }

  /**
   * Waits until a line of the log contains a match of the regular expression; returns that line.
   *
   * @throws NodeTimeoutException if no such line appears in time (the message holds the log)
   * @throws NodeFailedException if the JVM ends first
   */
  public String awaitLogLine(String regex, Duration timeout) {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> line = completeLogLines().filter(l -> pattern.matcher(l).find()).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
      OptionalInt exit = exitCode();
      if (exit.isPresent() || !node.isRunning()) {
        // The last lines may have arrived just before the exit, the very last without a newline.
        line = log().lines().filter(l -> pattern.matcher(l).find()).findFirst();
        if (line.isPresent()) {
          return line.get();
        }
        throw new NodeFailedException(
            this
                + " ended (exit "
                + exit
                + ") without a log line matching /"
                + regex
                + "/; log:\n"
                + log());
      }
      if (System.nanoTime() > deadline) {
        throw new NodeTimeoutException(
            this
                + " printed no line matching /"
                + regex
                + "/ within "
                + timeout
                + "; log:\n"
                + log());
      }
      sleep();
    }
  }

  /** Waits for the JVM to end; returns its exit code (128 + signal if a signal ended it). */
  public int awaitExit(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      OptionalInt exit = exitCode();
      if (exit.isPresent()) {
        return exit.getAsInt();
      }
      if (!node.isRunning()) {
        throw new NodeFailedException(node + " stopped while " + this + " ran; log:\n" + log());
      }
      if (System.nanoTime() > deadline) {
        throw new NodeTimeoutException(
            this + " did not end within " + timeout + "; log:\n" + log());
      }
      sleep();
    }
  }

  /** Sends SIGKILL. */
  public void kill() {
    signal("KILL");
  }

  /** Sends SIGTERM (the JVM runs its shutdown hooks). */
  public void terminate() {
    signal("TERM");
  }

  private void signal(String signal) {
    if (exitCode().isEmpty()) {
      // It may end between the check and the kill: that is fine.
      node.exec("kill -" + signal + " " + pid);
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeFailedException("interrupted while waiting", e);
    }
  }

  @Override
  public String toString() {
    return "java " + mainClass + " (pid " + pid + " in node " + node.name() + ")";
  }
}
