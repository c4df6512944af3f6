package io.kipvs.e2e.repo;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.cluster.ImageLayout;
import io.kipvs.e2e.repo.RepositoryFiles.Outcome;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image (issue 17, item 5) without a container runtime: its entry script, the very file the
 * Dockerfile installs as /usr/local/bin/kipvs, run on the host against {@code /opt/kipvs} as the
 * Dockerfile makes it ({@link ImageLayout}); and the Dockerfile and .dockerignore read for a build
 * that needs nothing but the repository. ({@code daemon.InClusterTest} starts the daemon through
 * the same script in a node.)
 */
class ImageEntryScriptTest {
  private static ImageLayout image;

  @TempDir Path dir;

  @BeforeAll
  static void makeTheImagesFolder() {
    image = ImageLayout.create(Path.of("target", "image-entry-script").toAbsolutePath());
  }

  private static Map<String, String> environment(String javaOptions) {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
    env.put("KIPVS_HOME", image.home().toString());
    env.put("KIPVS_JAVA_OPTS", javaOptions);
    return env;
  }

  /**
   * Item 5: the entry script runs the daemon's jar with every option of jvm.options in effect (as
   * the JVM itself reports them), the class-data sharing archive mapped ({@code -Xshare:on} makes
   * the JVM fail rather than start without it), and KIPVS_JAVA_OPTS after them.
   */
  @Test
  void theEntryScriptRunsTheJarWithTheShippedJvmOptionsAndArchive() {
    Outcome outcome =
        RepositoryFiles.run(
            dir,
            environment("-XX:+PrintCommandLineFlags -Xshare:on"),
            60,
            List.of(image.entryScript().toString(), "--version"));
    assertThat(outcome.exitCode()).as(outcome.toString()).isZero();
    assertThat(outcome.out())
        .as(outcome.toString())
        .containsPattern("(?m)^kipvs \\d+\\.\\d+\\.\\d+");
    Map<String, String> inEffect = printedFlags(outcome.out());
    assertThat(inEffect)
        .as(outcome.toString())
        .containsEntry("SharedArchiveFile", image.archive().toString());
    for (String option : image.jvmOptions()) {
      Map.Entry<String, String> flag = asFlag(option);
      assertThat(inEffect)
          .as("%s in effect; the JVM printed %s", option, inEffect)
          .containsKey(flag.getKey());
      assertThat(Double.parseDouble(numeric(inEffect.get(flag.getKey()))))
          .as(option)
          .isEqualTo(Double.parseDouble(numeric(flag.getValue())));
    }
  }

  /**
   * Item 5: arguments pass through unchanged and the exit code comes back, under either name the
   * image gives the script (kube-proxy's DaemonSet runs /usr/local/bin/kube-proxy, a link to it).
   */
  @Test
  void argumentsAndExitCodePassThroughUnderKubeProxysNameToo() throws IOException {
    Path kubeProxy = Files.createSymbolicLink(dir.resolve("kube-proxy"), image.entryScript());
    for (Path command : List.of(image.entryScript(), kubeProxy)) {
      Outcome outcome =
          RepositoryFiles.run(
              dir, environment(""), 60, List.of(command.toString(), "--mode=iptables"));
      assertThat(outcome.exitCode()).as(outcome.toString()).isEqualTo(2);
      assertThat(outcome.err())
          .as(outcome.toString())
          .contains("only supports the ipvs proxy mode");
    }
    Outcome help =
        RepositoryFiles.run(dir, environment(""), 60, List.of(kubeProxy.toString(), "--help"));
    assertThat(help.exitCode()).as(help.toString()).isZero();
    assertThat(help.out()).contains("--ipvs-scheduler");
  }

  /**
   * Item 5: the Dockerfile installs this script as the entry point (and kube-proxy's name for it),
   * builds the jar in its first stage, and copies nothing into the image that a clean clone lacks
   * or that .dockerignore leaves out; .dockerignore keeps local build output and .git out.
   */
  @Test
  void theDockerfileBuildsFromTheRepositoryAloneAndInstallsThisScript() throws IOException {
    Path root = image.repository();
    String dockerfile = Files.readString(root.resolve("Dockerfile"));
    assertThat(dockerfile)
        .contains("COPY " + ImageLayout.ENTRY_SCRIPT + " /usr/local/bin/kipvs\n")
        .contains("ln -s /usr/local/bin/kipvs /usr/local/bin/kube-proxy")
        .contains("ENTRYPOINT [\"/usr/local/bin/kipvs\"]")
        .contains("COPY " + ImageLayout.JVM_OPTIONS + " /opt/kipvs/jvm.options");
    // The jar is built inside the image, in the stage before the runtime's FROM.
    String[] stages = dockerfile.split("(?m)^FROM ");
    assertThat(stages).hasSize(3);
    assertThat(stages[1]).containsPattern("(?m)^RUN mvn .*package");
    assertThat(stages[2]).contains("COPY --from=build /kipvs.jar /opt/kipvs/kipvs.jar");

    List<String> ignored =
        Files.readAllLines(root.resolve(".dockerignore")).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(ignored).contains("**/target", ".git");
    assertThat(excluded(ignored, "daemon/target/daemon-0.1.0-SNAPSHOT-all.jar")).isTrue();
    assertThat(excluded(ignored, "target")).isTrue();

    Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(dockerfile);
    List<String> sources = new ArrayList<>();
    while (copy.find()) {
      sources.add(copy.group(1));
    }
    assertThat(sources).contains(".", ImageLayout.ENTRY_SCRIPT);
    for (String source : sources) {
      assertThat(root.resolve(source)).as("COPY %s", source).exists();
      assertThat(excluded(ignored, source))
          .as("COPY %s left out by .dockerignore", source)
          .isFalse();
    }
    for (String tracked : List.of("pom.xml", "daemon/pom.xml", "e2e/pom.xml", "daemon/src")) {
      assertThat(excluded(ignored, tracked)).as(tracked + " in the build context").isFalse();
    }
  }

  /** Docker's rule: a path is left out when it or a folder above it matches a pattern. */
  private static boolean excluded(List<String> patterns, String path) {
    Path p = Path.of(path).normalize();
    for (int n = 1; n <= p.getNameCount(); n++) {
      Path prefix = p.subpath(0, n);
      for (String pattern : patterns) {
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        // "**/x" also matches "x" at the top, as in Docker.
        if (matcher.matches(prefix)
            || (pattern.startsWith("**/")
                && FileSystems.getDefault()
                    .getPathMatcher("glob:" + pattern.substring(3))
                    .matches(prefix))) {
          return true;
        }
      }
    }
    return false;
  }

  /** -XX:+PrintCommandLineFlags's line: {@code -XX:Name=value} and {@code -XX:[+-]Name}. */
  private static Map<String, String> printedFlags(String out) {
    Map<String, String> flags = new HashMap<>();
    Matcher m = Pattern.compile("-XX:([+-]?)(\\w+)(?:=(\\S+))?").matcher(out);
    while (m.find()) {
      flags.put(m.group(2), m.group(3) != null ? m.group(3) : m.group(1).equals("+") ? "1" : "0");
    }
    return flags;
  }

  /** A jvm.options line as the flag PrintCommandLineFlags names, with its value. */
  private static Map.Entry<String, String> asFlag(String option) {
    if (option.startsWith("-Xmx")) {
      return Map.entry("MaxHeapSize", bytes(option.substring(4)));
    }
    if (option.startsWith("-Xms")) {
      return Map.entry("InitialHeapSize", bytes(option.substring(4)));
    }
    Matcher m = Pattern.compile("-XX:([+-]?)(\\w+)(?:=(\\S+))?").matcher(option);
    assertThat(m.matches()).as("a -XX option: " + option).isTrue();
    return Map.entry(
        m.group(2), m.group(3) != null ? m.group(3) : m.group(1).equals("+") ? "1" : "0");
  }

  private static String bytes(String size) {
    long unit =
        switch (Character.toLowerCase(size.charAt(size.length() - 1))) {
          case 'k' -> 1L << 10;
          case 'm' -> 1L << 20;
          case 'g' -> 1L << 30;
          default -> 1;
        };
    String digits = unit == 1 ? size : size.substring(0, size.length() - 1);
    return Long.toString(Long.parseLong(digits) * unit);
  }

  private static String numeric(String value) {
    return value.equals("true") ? "1" : value.equals("false") ? "0" : value;
  }
}
