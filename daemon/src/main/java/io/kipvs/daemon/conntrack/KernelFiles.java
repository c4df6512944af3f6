package io.kipvs.daemon.conntrack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads small kernel files (/proc/sys, /sys) whole. */
public final class KernelFiles {
  private KernelFiles() {}

  /**
   * The file's text without surrounding white space. Reads through a stream until end of file:
   * procfs reports a size of 0, and Files.readString was seen returning only the first byte of such
   * a file ("4" for "432000") on the UML test kernel.
   */
  public static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
    }
  }
}
