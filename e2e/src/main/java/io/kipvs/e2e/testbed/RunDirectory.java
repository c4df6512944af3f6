package io.kipvs.e2e.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A testbed's own folder, {@code run-<JVM pid>-<n>} under a base folder: fresh for every testbed,
 * so that whatever a killed run left behind (sockets, UML state) cannot get in the way.
 */
final class RunDirectory {
  private static final Pattern RUN = Pattern.compile("run-(\\d+)-\\d+");

  private final Path path;

  private RunDirectory(Path path) {
    this.path = path;
  }

  static RunDirectory create(Path base) {
    if (base.startsWith("/tmp")) {
      throw new IllegalArgumentException(
          "testbed folder "
              + base
              + " is under /tmp, which nodes cannot see (they mount their own)");
    }
    try {
      Files.createDirectories(base);
      removeRunsOfDeadProcesses(base);
      long pid = ProcessHandle.current().pid();
      for (int n = 1; ; n++) {
        Path candidate = base.resolve("run-" + pid + "-" + n);
        try {
          Files.createDirectory(candidate);
          Files.createDirectory(candidate.resolve("uml"));
          return new RunDirectory(candidate);
        } catch (FileAlreadyExistsException taken) {
          // another testbed of this JVM (or of a dead one with the same PID) has it
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a testbed folder under " + base, e);
    }
  }

  Path path() {
    return path;
  }

  /** Where UML keeps its per-node state (umid folders, management sockets). */
  Path umlDir() {
    return path.resolve("uml");
  }

  Path newNodeDir(String nodeName) {
    Path dir = path.resolve(nodeName);
    try {
      Files.createDirectory(dir);
      return dir;
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException(
          "this testbed has a node named " + nodeName + " already", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + dir, e);
    }
  }

  void delete() {
    deleteTree(path);
  }

  /** Deletes what it can: at JVM shutdown, other threads may still write into the folder. */
  void deleteQuietly() {
    try {
      deleteTree(path);
    } catch (UncheckedIOException e) {
      // a later testbed in the same base folder removes it (its JVM is dead by then)
    }
  }

  private static void removeRunsOfDeadProcesses(Path base) throws IOException {
    List<Path> runs;
    try (Stream<Path> entries = Files.list(base)) {
      runs = entries.toList();
    }
    for (Path run : runs) {
      Matcher m = RUN.matcher(run.getFileName().toString());
      if (m.matches() && !HostProcesses.alive(Long.parseLong(m.group(1)))) {
        deleteTree(run);
      }
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + root, e);
    }
  }
}
