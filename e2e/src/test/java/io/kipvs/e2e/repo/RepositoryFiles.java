package io.kipvs.e2e.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The repository's own files (scripts, Dockerfile), for tests that run or read them in place. */
final class RepositoryFiles {
  private RepositoryFiles() {}

  /** The repository's root: the e2e module's parent (Maven runs tests in the module's folder). */
  static Path root() {
    Path root = Path.of("..").toAbsolutePath().normalize();
    assertThat(root.resolve("kipvs")).as("the kipvs launcher at the repository's root").exists();
    return root;
  }

  /** What a process printed and how it ended. */
  record Outcome(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  /**
   * Runs {@code command} with exactly this environment (nothing inherited), in {@code dir}, and
   * waits at most {@code seconds} for it.
   */
  static Outcome run(
      Path dir, Map<String, String> environment, long seconds, List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    try {
      Path out = Files.createTempFile("kipvs-run", ".out");
      Path err = Files.createTempFile("kipvs-run", ".err");
      try {
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(
              command + " did not end within " + seconds + " s:\n" + Files.readString(err));
        }
        return new Outcome(
            process.exitValue(),
            new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
            new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
