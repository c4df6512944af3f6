package io.kipvs.e2e.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The test's side of a node's console: sends commands, collects their results, keeps a log of
 * everything the node printed. Commands may run concurrently; each has its own id and files.
 */
final class NodeConsole {
  private static final int TAIL_LINES = 200;

  /** Extra time for the node to report a command that its own {@code timeout} already ended. */
  private static final Duration GRACE = Duration.ofSeconds(15);

  private final String nodeName;
  private final Process process;
  private final Path commandDir;
  private final Path consoleLog;
  private final OutputStream toNode;
  private final Map<Long, CompletableFuture<Integer>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final AtomicLong ids = new AtomicLong();
  private final Deque<String> tail = new ArrayDeque<>();
  private final Thread reader;

  NodeConsole(String nodeName, Process process, Path commandDir, Path consoleLog) {
    this.nodeName = nodeName;
    this.process = process;
    this.commandDir = commandDir;
    this.consoleLog = consoleLog;
    this.toNode = process.getOutputStream();
    this.reader = new Thread(this::readConsole, "console-" + nodeName);
    reader.setDaemon(true);
    reader.start();
  }

  void awaitReady(Duration timeout) {
    try {
      ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new NodeTimeoutException(
          "node " + nodeName + " did not boot within " + timeout + "; console:\n" + tail());
    } catch (ExecutionException e) {
      throw new NodeFailedException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeFailedException("interrupted while node " + nodeName + " booted", e);
    }
  }

  ExecResult exec(String script, Duration timeout) {
    long id = ids.incrementAndGet();
    Path scriptFile = commandDir.resolve(id + ".sh");
    Path out = commandDir.resolve(id + ".out");
    Path err = commandDir.resolve(id + ".err");
    CompletableFuture<Integer> done = new CompletableFuture<>();
    pending.put(id, done);
    try {
      Files.writeString(scriptFile, script);
      long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
      send("run " + id + " " + seconds + "\n");
      long startNanos = System.nanoTime();
      int exit;
      try {
        exit = done.get(timeout.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new NodeTimeoutException(
            "node "
                + nodeName
                + " did not finish a command within "
                + timeout.plus(GRACE)
                + " (the node may hang): `"
                + script
                + "`; console:\n"
                + tail());
      }
      Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
      ExecResult result = new ExecResult(script, exit, readAndDelete(out), readAndDelete(err));
      // GNU timeout exits 124 when it ended the command (137 after the extra -k 5 kill).
      if ((exit == 124 || exit == 137) && took.compareTo(timeout) >= 0) {
        throw new NodeTimeoutException(
            "command in node " + nodeName + " timed out after " + timeout + ": " + result);
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pass a command to node " + nodeName, e);
    } catch (ExecutionException e) {
      throw new NodeFailedException(
          "node "
              + nodeName
              + " failed while running `"
              + script
              + "`: "
              + e.getCause().getMessage(),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeFailedException(
          "interrupted while node " + nodeName + " ran `" + script + "`", e);
    } finally {
      pending.remove(id);
      try {
        Files.deleteIfExists(scriptFile);
      } catch (IOException ignored) {
        // the run folder goes away when the testbed closes
      }
    }
  }

  /** Asks init to leave its command loop and halt the node. */
  void requestHalt() {
    try {
      send("halt\n");
      toNode.close();
    } catch (IOException ignored) {
      // the node is gone already
    }
  }

  /** The last lines the node printed on its console. */
  String tail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  private synchronized void send(String line) throws IOException {
    toNode.write(line.getBytes(StandardCharsets.UTF_8));
    toNode.flush();
  }

  private static String readAndDelete(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    // Lenient decoding: commands may print bytes that are not UTF-8.
    String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    Files.delete(file);
    return text;
  }

  private void readConsole() {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer log =
            Files.newBufferedWriter(
                consoleLog, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      String line;
      while ((line = in.readLine()) != null) {
        line = line.replace("\r", "");
        log.write(line);
        log.write('\n');
        log.flush();
        remember(line);
        dispatch(line);
      }
    } catch (IOException e) {
      remember("[kit] console read failed: " + e);
    }
    NodeFailedException gone =
        new NodeFailedException("node " + nodeName + " ended; console:\n" + tail());
    ready.completeExceptionally(gone);
    pending.values().forEach(f -> f.completeExceptionally(gone));
  }

  private void remember(String line) {
    synchronized (tail) {
      tail.addLast(line);
      if (tail.size() > TAIL_LINES) {
        tail.removeFirst();
      }
    }
  }

  private void dispatch(String line) {
    int at = line.indexOf("@@kipvs-");
    if (at < 0) {
      return;
    }
    String[] words = line.substring(at).trim().split("\\s+");
    switch (words[0]) {
      case InitScript.READY -> ready.complete(null);
      case InitScript.BOOT_FAILED ->
          ready.completeExceptionally(
              new NodeFailedException("node " + nodeName + " failed to boot; console:\n" + tail()));
      case InitScript.DONE -> {
        if (words.length >= 3
            && words[1].matches("[0-9]{1,18}")
            && words[2].matches("[0-9]{1,3}")) {
          CompletableFuture<Integer> f = pending.get(Long.parseLong(words[1]));
          if (f != null) {
            f.complete(Integer.parseInt(words[2]));
          }
        }
      }
      default -> {}
    }
  }

  void awaitReaderEnd(Duration timeout) throws InterruptedException {
    reader.join(timeout.toMillis());
  }
}
