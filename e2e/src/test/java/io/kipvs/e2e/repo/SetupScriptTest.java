package io.kipvs.e2e.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kipvs.e2e.repo.RepositoryFiles.Outcome;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/ensure-deps.sh, which {@code ./kipvs demo}, {@code ./kipvs test} and .ci/run call first:
 * on a fresh Debian 12 with nothing but git it is the whole set-up (issue 17, item 6). Run on the
 * host as it is, with a PATH that has or lacks a JDK and Maven; {@code --dry-run} lists what it
 * would install instead of calling apt-get.
 */
class SetupScriptTest {
  private static final String BASH = "/bin/bash";

  @TempDir Path dir;

  private static Path script() {
    return RepositoryFiles.root().resolve("scripts/ensure-deps.sh");
  }

  /** An empty PATH folder (bash's builtins are all the script needs): no java, javac, jar, mvn. */
  private Path pathWithoutJdkAndMaven() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    // Readable by the unprivileged user of notRootItNamesThePackagesAndFails.
    for (Path p : List.of(dir, bin)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return bin;
  }

  private static List<String> wouldInstall(Outcome outcome) {
    assertThat(outcome.exitCode()).as(outcome.toString()).isZero();
    return Arrays.stream(outcome.out().strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * Issue 17 item 6: without Java and Maven on PATH, the set-up installs Debian's JDK 17 and Maven
   * (today's fresh Debian 12 has neither).
   */
  @Test
  void withoutJavaAndMavenItInstallsDebiansJdk17AndMaven() throws IOException {
    Outcome outcome =
        RepositoryFiles.run(
            dir,
            Map.of("PATH", pathWithoutJdkAndMaven().toString()),
            30,
            List.of(BASH, script().toString(), "--dry-run"));
    assertThat(wouldInstall(outcome)).contains("openjdk-17-jdk-headless", "maven");
  }

  /** Issue 17 item 6: with a JDK 17 and Maven on PATH, it installs neither again. */
  @Test
  void withJdk17AndMavenOnPathItInstallsNeither() {
    Path jdkBin = Path.of(System.getProperty("java.home"), "bin");
    assumeTrue(
        Files.isExecutable(jdkBin.resolve("javac")), "the test JVM is a JDK (Maven compiles)");
    Path mavenBin = onPath("mvn").orElseThrow(() -> new AssertionError("mvn on the test's PATH"));
    Outcome outcome =
        RepositoryFiles.run(
            dir,
            Map.of("PATH", jdkBin + ":" + mavenBin.getParent() + ":/usr/bin:/bin"),
            30,
            List.of(BASH, script().toString(), "--dry-run"));
    assertThat(wouldInstall(outcome)).doesNotContain("openjdk-17-jdk-headless", "maven");
  }

  /**
   * Issue 17 item 6: not root, it installs nothing and names the packages and the command that
   * installs them, then fails.
   */
  @Test
  void notRootItNamesThePackagesAndFails() throws IOException {
    List<String> asNobody =
        isRoot()
            ? List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
            : List.of();
    assumeTrue(asNobody.isEmpty() || Files.isExecutable(Path.of(asNobody.get(0))));
    List<String> command = new ArrayList<>(asNobody);
    command.addAll(List.of(BASH, script().toString()));
    Outcome outcome =
        RepositoryFiles.run(
            Path.of("/"), Map.of("PATH", pathWithoutJdkAndMaven().toString()), 30, command);
    assertThat(outcome.exitCode()).as(outcome.toString()).isEqualTo(1);
    assertThat(outcome.err())
        .as(outcome.toString())
        .containsPattern("missing Debian packages: .*openjdk-17-jdk-headless")
        .containsPattern("apt-get install -y .*openjdk-17-jdk-headless.* maven");
  }

  /** The set-up scripts and the image's entry script pass shellcheck (when the machine has it). */
  @Test
  void theSetUpScriptsAreShellcheckClean() {
    Optional<Path> shellcheck = onPath("shellcheck");
    assumeTrue(shellcheck.isPresent(), "shellcheck installed");
    Path root = RepositoryFiles.root();
    Outcome outcome =
        RepositoryFiles.run(
            root,
            Map.of("PATH", "/usr/bin:/bin"),
            60,
            List.of(
                shellcheck.get().toString(),
                "scripts/ensure-deps.sh",
                ".ci/run",
                "daemon/image/kipvs"));
    assertThat(outcome.exitCode()).as(outcome.toString()).isZero();
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static Optional<Path> onPath(String tool) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(p -> Path.of(p, tool))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
