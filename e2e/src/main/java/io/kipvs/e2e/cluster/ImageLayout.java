package io.kipvs.e2e.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The image's {@code /opt/kipvs} made on the host as the Dockerfile makes it, from the repository's
 * own files: the shaded jar the reactor built ({@code daemon/target/daemon-*-all.jar}) as {@code
 * kipvs.jar}, the daemon's {@code jvm.options} and {@code classes.lst}, jffi's {@code jni/} taken
 * out of the jar, and the class-data sharing archive {@code kipvs.jsa} dumped with the Dockerfile's
 * command. {@link #entryScript()} is the very file the Dockerfile installs as {@code
 * /usr/local/bin/kipvs}; it runs against this folder when {@code KIPVS_HOME} names it. Nodes read
 * the host's file system, so the same folder serves a daemon in a node (keep it out of /tmp, which
 * a node hides).
 *
 * @param home the folder, for {@code KIPVS_HOME}
 * @param repository the repository's root
 */
public record ImageLayout(Path home, Path repository) {
  /** Where the Dockerfile takes the JVM options from, relative to the repository's root. */
  public static final String JVM_OPTIONS = "daemon/src/main/resources/io/kipvs/daemon/jvm.options";

  /** The entry script, relative to the repository's root. */
  public static final String ENTRY_SCRIPT = "daemon/image/kipvs";

  private static final String CLASS_LIST = "daemon/src/main/resources/io/kipvs/daemon/classes.lst";

  /** The repository's root, from a module's folder (where Maven runs a module's tests). */
  public static Path repositoryRoot() {
    Path root = Path.of("..").toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("Dockerfile"))) {
      throw new IllegalStateException("no Dockerfile in " + root + ": run from a module's folder");
    }
    return root;
  }

  /** Makes the image's folder in {@code home} (emptied first). */
  public static ImageLayout create(Path home) {
    Path root = repositoryRoot();
    try {
      if (Files.exists(home)) {
        try (var files = Files.walk(home)) {
          for (Path p : files.sorted(Collections.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(home);
      Files.copy(shadedJar(root), home.resolve("kipvs.jar"));
      Files.copy(root.resolve(JVM_OPTIONS), home.resolve("jvm.options"));
      Files.copy(root.resolve(CLASS_LIST), home.resolve("classes.lst"));
      extractJni(home.resolve("kipvs.jar"), home);
      ImageLayout layout = new ImageLayout(home, root);
      layout.dumpArchive();
      return layout;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the image's folder in " + home, e);
    }
  }

  /** The entry script the Dockerfile installs (in the repository, not a copy). */
  public Path entryScript() {
    return repository.resolve(ENTRY_SCRIPT);
  }

  /** The JVM options the image's JVM runs with: jvm.options without comments. */
  public List<String> jvmOptions() {
    try {
      return Files.readAllLines(home.resolve("jvm.options"), StandardCharsets.UTF_8).stream()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path archive() {
    return home.resolve("kipvs.jsa");
  }

  private static Path shadedJar(Path root) throws IOException {
    List<Path> jars = new ArrayList<>();
    try (DirectoryStream<Path> found =
        Files.newDirectoryStream(root.resolve("daemon/target"), "daemon-*-all.jar")) {
      found.forEach(jars::add);
    }
    if (jars.size() != 1) {
      throw new IllegalStateException(
          "want one shaded jar daemon/target/daemon-*-all.jar (mvn package), found " + jars);
    }
    return jars.get(0);
  }

  /** The Dockerfile's {@code jar xf kipvs.jar jni}. */
  private static void extractJni(Path jar, Path home) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (ZipEntry entry : Collections.list(zip.entries())) {
        if (entry.isDirectory() || !entry.getName().startsWith("jni/")) {
          continue;
        }
        Path file = home.resolve(entry.getName()).normalize();
        if (!file.startsWith(home)) {
          throw new IOException("entry " + entry.getName() + " leaves " + home);
        }
        Files.createDirectories(file.getParent());
        try (InputStream in = zip.getInputStream(entry)) {
          Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** The Dockerfile's {@code java -Xshare:dump ...} for this folder, with this JVM's java. */
  private void dumpArchive() throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:dump");
    command.add("-XX:SharedClassListFile=" + home.resolve("classes.lst"));
    command.add("-XX:SharedArchiveFile=" + archive());
    command.addAll(jvmOptions());
    command.add("-cp");
    command.add(home.resolve("kipvs.jar").toString());
    Path log = home.resolve("dump.log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "the archive's dump failed, as the image's build would:\n" + Files.readString(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while dumping " + archive(), e);
    }
  }
}
