package io.kipvs.e2e.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The daemon's class path, class-data sharing archive and jffi library for one test run, made as
 * the image makes them (daemon/README.md, "JVM options"). The JVM archives classes from jars only,
 * so the class folders of this JVM's class path (the reactor's {@code target/classes}) go into one
 * jar first, and the archive is dumped from the daemon's class list for that class path. jffi's
 * native libraries ({@code jni/<platform>/}) are taken out of the class path's jars once, instead
 * of by each JVM into a temporary file.
 *
 * @param classPath jars only, host paths (nodes read the host's file system)
 * @param archive the archive, if the JVM could make it (its output says why not otherwise)
 * @param jffiLibraries the folder holding {@code <platform>/libjffi-*.so}
 */
public record DaemonClassPath(String classPath, Optional<Path> archive, Path jffiLibraries) {
  /** The class list the image, ./kipvs and this kit dump the archive from. */
  public static final String CLASS_LIST = "/io/kipvs/daemon/classes.lst";

  /**
   * Makes, in {@code dir}, the jar of this JVM's class folders and the archive for the resulting
   * class path, dumped with these JVM options (the collector and heap settings must match the
   * daemon's for the JVM to map the archive).
   */
  public static DaemonClassPath create(Path dir, List<String> jvmOptions) {
    try {
      Files.createDirectories(dir);
      Path jar = dir.resolve("kipvs-classes.jar");
      List<String> entries = new ArrayList<>();
      entries.add(jar.toString());
      List<Path> folders = new ArrayList<>();
      Path jni = dir.resolve("jni");
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path path = Path.of(entry);
        if (Files.isDirectory(path)) {
          folders.add(path);
        } else if (Files.isRegularFile(path)) {
          entries.add(path.toAbsolutePath().toString());
          extractNativeLibraries(path, jni);
        }
      }
      writeJar(jar, folders);
      String classPath = String.join(File.pathSeparator, entries);
      return new DaemonClassPath(classPath, dump(dir, classPath, jvmOptions), jni);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the daemon's class path in " + dir, e);
    }
  }

  /**
   * What the image's entry script adds to jvm.options: the archive, when there is one, and the
   * folder jffi loads its library from.
   */
  public List<String> jvmOptions() {
    List<String> options = new ArrayList<>();
    archive.ifPresent(a -> options.add("-XX:SharedArchiveFile=" + a));
    options.add("-Djffi.boot.library.path=" + jffiLibraries);
    return List.copyOf(options);
  }

  /** The {@code jni/} entries of a jar (jffi's native jar has them), into {@code target}. */
  private static void extractNativeLibraries(Path jar, Path target) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (ZipEntry entry : Collections.list(zip.entries())) {
        String name = entry.getName();
        if (entry.isDirectory() || !name.startsWith("jni/")) {
          continue;
        }
        Path file = target.resolve(name.substring("jni/".length())).normalize();
        if (!file.startsWith(target)) {
          throw new IOException("entry " + name + " of " + jar + " leaves " + target);
        }
        Files.createDirectories(file.getParent());
        try (InputStream in = zip.getInputStream(entry)) {
          Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** The first folder that has an entry wins, as on a class path. */
  private static void writeJar(Path jar, List<Path> folders) throws IOException {
    Set<String> written = new HashSet<>();
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Path folder : folders) {
        try (Stream<Path> files = Files.walk(folder)) {
          for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
            String name = folder.relativize(file).toString().replace(File.separatorChar, '/');
            if (written.add(name)) {
              out.putNextEntry(new JarEntry(name));
              Files.copy(file, out);
              out.closeEntry();
            }
          }
        }
      }
    }
  }

  private static Optional<Path> dump(Path dir, String classPath, List<String> jvmOptions)
      throws IOException {
    Path list = dir.resolve("classes.lst");
    try (InputStream in = DaemonClassPath.class.getResourceAsStream(CLASS_LIST)) {
      if (in == null) {
        throw new IllegalStateException(CLASS_LIST + " is not on the class path");
      }
      Files.copy(in, list, StandardCopyOption.REPLACE_EXISTING);
    }
    Path archive = dir.resolve("kipvs.jsa");
    Files.deleteIfExists(archive);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:dump");
    command.add("-XX:SharedClassListFile=" + list);
    command.add("-XX:SharedArchiveFile=" + archive);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    Path log = dir.resolve("dump.log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      int exit = process.waitFor();
      if (exit != 0 || !Files.isRegularFile(archive)) {
        System.err.println(
            "kipvs e2e: no class-data sharing archive for the daemon (exit "
                + exit
                + "):\n"
                + Files.readString(log));
        return Optional.empty();
      }
      return Optional.of(archive);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while dumping " + archive, e);
    }
  }
}
