package io.kipvs.e2e.testbed;

/**
 * A main class the tests start inside a node: prints a line with its arguments, then either exits
 * with the code given as first argument or, given "wait", waits until it is signalled.
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
    System.exit(args.length > 0 ? Integer.parseInt(args[0]) : 0);
  }
}
