package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * classes.lst, the class list the class-data sharing archive is made from: a class it names that no
 * longer exists is only skipped by the JVM, so a rename would silently slow the start down.
 */
class ClassListTest {

  @Test
  void everyKipvsClassItNamesExists() throws IOException {
    List<String> kipvsClasses =
        classList().stream()
            .filter(l -> l.startsWith("io/kipvs/"))
            .map(l -> l.split(" ")[0].replace('/', '.'))
            .toList();

    assertThat(kipvsClasses).contains("io.kipvs.daemon.Main");
    assertThat(kipvsClasses)
        .allSatisfy(
            name ->
                assertThat(ClassListTest.class.getClassLoader().getResource(resource(name)))
                    .as("%s, named in classes.lst (make the list again, daemon/README.md)", name)
                    .isNotNull());
  }

  private static String resource(String className) {
    return className.replace('.', '/') + ".class";
  }

  private static List<String> classList() throws IOException {
    try (InputStream in = ClassListTest.class.getResourceAsStream("classes.lst")) {
      assertThat(in).as("classes.lst next to Main").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }
}
