package io.kipvs.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the host: the daemon's class path and archive, as the kit hands them to a node's JVM. */
class DaemonClassPathTest {
  @TempDir Path dir;

  @Test
  void theDaemonsClassesComeFromTheArchiveAndItsClassPathHasJarsOnly() throws Exception {
    DaemonClassPath shipped = DaemonClassPath.create(dir, KipvsDaemon.jvmOptions());

    assertThat(shipped.archive()).isPresent();
    assertThat(shipped.jvmOptions())
        .containsExactly(
            "-XX:SharedArchiveFile=" + shipped.archive().get(),
            "-Djffi.boot.library.path=" + shipped.jffiLibraries());
    assertThat(Arrays.stream(shipped.classPath().split(File.pathSeparator)))
        .allSatisfy(entry -> assertThat(Path.of(entry)).isRegularFile());

    // -Xshare:on: the JVM refuses to start rather than run without the archive.
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:on");
    command.addAll(KipvsDaemon.jvmOptions());
    command.addAll(shipped.jvmOptions());
    command.add("-Xlog:class+load=info");
    command.add("-cp");
    command.add(shipped.classPath());
    command.add(KipvsDaemon.MAIN_CLASS);
    command.add("--version");
    Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(java.getInputStream().readAllBytes());
    assertThat(java.waitFor()).as(out).isZero();
    assertThat(out.lines())
        .as("the daemon's own classes come from the archive")
        .anyMatch(l -> l.contains(" io.kipvs.daemon.Main source: shared objects file"))
        .anyMatch(l -> l.contains(" io.kipvs.daemon.config.CommandLineParser source: shared"));
  }

  @Test
  void jffiLoadsItsLibraryFromTheFolderInsteadOfExtractingIt() throws Exception {
    DaemonClassPath shipped = DaemonClassPath.create(dir, KipvsDaemon.jvmOptions());
    assertThat(shipped.jffiLibraries().resolve("x86_64-Linux/libjffi-1.2.so")).isRegularFile();

    // jffi's own switch to extract under a fixed name that stays after the JVM exits.
    Path extractedWithout = Files.createDirectory(dir.resolve("extracted-without"));
    ProcessResult without = openNetlinkSocket(shipped, extractTo(extractedWithout, List.of()));
    Path extractedWith = Files.createDirectory(dir.resolve("extracted-with"));
    ProcessResult with = openNetlinkSocket(shipped, extractTo(extractedWith, shipped.jvmOptions()));

    assertThat(without.exit()).as(without.output()).isZero();
    assertThat(with.exit()).as(with.output()).isZero();
    assertThat(extractedWithout.resolve("probe.so")).as("extracted without the folder").exists();
    assertThat(extractedWith.resolve("probe.so")).as("extracted with the folder").doesNotExist();
  }

  private static List<String> extractTo(Path folder, List<String> options) {
    List<String> all = new ArrayList<>(options);
    all.add("-Djffi.extract.dir=" + folder);
    all.add("-Djffi.extract.name=probe");
    return all;
  }

  private record ProcessResult(int exit, String output) {}

  /** jffi loads its library on the first netlink call (the host has no IPVS: an error reply). */
  private ProcessResult openNetlinkSocket(DaemonClassPath shipped, List<String> options)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.add("-cp");
    command.add(shipped.classPath());
    command.add("io.kipvs.e2e.netlink.NetlinkProbe");
    command.add("open");
    command.add(dir.resolve("probe.txt").toString());
    Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(java.getInputStream().readAllBytes());
    return new ProcessResult(java.waitFor(), output);
  }

  @Test
  void theClassFoldersOfTheClassPathAreInTheFirstJar() throws Exception {
    DaemonClassPath shipped = DaemonClassPath.create(dir, KipvsDaemon.jvmOptions());

    List<Path> entries =
        Arrays.stream(shipped.classPath().split(File.pathSeparator)).map(Path::of).toList();
    assertThat(entries).allSatisfy(e -> assertThat(e).isRegularFile());
    // This class comes from a folder (the module under test is never a jar on its own class
    // path); the daemon's classes come from a folder or from its jar, as the reactor resolves it.
    assertThat(entriesOf(entries.get(0))).contains("io/kipvs/e2e/cluster/DaemonClassPath.class");
    List<String> all = new ArrayList<>();
    for (Path entry : entries) {
      all.addAll(entriesOf(entry));
    }
    assertThat(all)
        .contains(
            "io/kipvs/daemon/Main.class",
            "io/kipvs/daemon/jvm.options",
            "io/kipvs/ipvs/IpvsClient.class");
  }

  private static List<String> entriesOf(Path jar) throws Exception {
    try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
      return zip.stream().map(java.util.zip.ZipEntry::getName).toList();
    }
  }
}
