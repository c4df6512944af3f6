package io.kipvs.e2e.testbed;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A main class the tests start inside a node: prints a line with its arguments, then either exits
 * with the code given as first argument or, given "wait", waits until it is signalled. Given "half
 * FILE", it prints half a line and ends that line once FILE exists.
 */
public final class SampleMain {
  private SampleMain() {}

  public static void main(String[] args) throws InterruptedException {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> System.out.println("sample stopping"), "sample-hook"));
    System.out.println("sample started " + String.join(" ", args));
    System.out.flush();
    if (args.length > 0 && args[0].equals("wait")) {
      Thread.sleep(Long.MAX_VALUE);
    }
    if (args.length > 1 && args[0].equals("half")) {
      System.out.print("sample half ");
      System.out.flush();
      while (!Files.exists(Path.of(args[1]))) {
        Thread.sleep(10);
      }
      System.out.println("done");
      Thread.sleep(Long.MAX_VALUE);
    }
    System.exit(args.length > 0 ? Integer.parseInt(args[0]) : 0);
  }
}
