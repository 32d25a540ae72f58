package io.jraid;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.jraid.array.RaidArray;
import io.jraid.cli.Main;
import io.jraid.nbd.PlantedArrayDependency;
import io.jraid.parity.PlantedUpwardDependency;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package dependency rules of ARCHITECTURE.md and STYLE.md: dependencies point down the data
 * path and never up; format, layout, parity and device are leaves; no cycles. Lives in jraid-cli,
 * the one module that sees every package.
 */
class ArchitectureTest {

  /**
   * Who may use whom. cli uses parity directly for {@code jraid bench} (the one edge beyond
   * STYLE.md's list, on purpose: the benchmark is about the kernels themselves). nbd serves any
   * {@code BlockDevice} and knows nothing of arrays (narrower than STYLE.md's {@code nbd → array}):
   * the command line hands it the array; metrics reads the counters of array, stripe and nbd at
   * scrape time. cli reads the running engine's state (sync progress, member counters, geometry)
   * for status and detail, as mdadm reads md's sysfs: hence cli → stripe and layout. stripe →
   * parity for one rare path: locating the bad block of a RAID-6 stripe a check found inconsistent
   * (raid6check's syndrome method), computed on the stripe's lane rather than offloaded.
   */
  static final ArchRule LAYERS =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .withOptionalLayers(true)
          .layer("cli")
          .definedBy("io.jraid.cli..")
          .layer("metrics")
          .definedBy("io.jraid.metrics..")
          .layer("nbd")
          .definedBy("io.jraid.nbd..")
          .layer("array")
          .definedBy("io.jraid.array..")
          .layer("stripe")
          .definedBy("io.jraid.stripe..")
          .layer("ops")
          .definedBy("io.jraid.ops..")
          .layer("parity")
          .definedBy("io.jraid.parity..")
          .layer("device")
          .definedBy("io.jraid.device..")
          .layer("format")
          .definedBy("io.jraid.format..")
          .layer("layout")
          .definedBy("io.jraid.layout..")
          .whereLayer("cli")
          .mayOnlyAccessLayers("nbd", "array", "stripe", "layout", "format", "parity", "metrics")
          .whereLayer("metrics")
          .mayOnlyAccessLayers("array", "stripe", "layout", "nbd")
          .whereLayer("nbd")
          .mayOnlyAccessLayers("device")
          .whereLayer("array")
          .mayOnlyAccessLayers("stripe", "format", "layout", "device")
          .whereLayer("stripe")
          .mayOnlyAccessLayers("ops", "parity", "layout", "device")
          .whereLayer("ops")
          .mayOnlyAccessLayers("parity")
          .whereLayer("parity")
          .mayNotAccessAnyLayer()
          .whereLayer("device")
          .mayNotAccessAnyLayer()
          .whereLayer("format")
          .mayNotAccessAnyLayer()
          .whereLayer("layout")
          .mayNotAccessAnyLayer();

  static final ArchRule NO_CYCLES = slices().matching("io.jraid.(*)..").should().beFreeOfCycles();

  private static JavaClasses production;

  @BeforeAll
  static void importProductionClasses() {
    production =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // jraid-core's test fixtures reach this module as a test-jar: tests, not production.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("io.jraid");
  }

  @Test
  void importSawTheEnginePackages() {
    // Guards against a rule that passes because it checked nothing.
    assertThat(production.contain("io.jraid.parity.ParityKernels")).isTrue();
    assertThat(production.contain("io.jraid.cli.Main")).isTrue();
    assertThat(production.contain("io.jraid.array.AssemblyPlanner")).isTrue();
    assertThat(production.contain("io.jraid.nbd.NbdServer")).isTrue();
    assertThat(production.contain("io.jraid.testing.Fixture")).isFalse();
  }

  @Test
  void dependenciesFollowTheDataPath() {
    LAYERS.check(production);
  }

  @Test
  void packagesHaveNoCycles() {
    NO_CYCLES.check(production);
  }

  @Test
  void nbdReachingIntoArrayIsCaught() {
    JavaClasses planted =
        new ClassFileImporter().importClasses(PlantedArrayDependency.class, RaidArray.class);
    assertThat(LAYERS.evaluate(planted).hasViolation()).isTrue();
  }

  @Test
  void anUpwardDependencyIsCaught() {
    JavaClasses planted =
        new ClassFileImporter().importClasses(PlantedUpwardDependency.class, Main.class);
    assertThat(LAYERS.evaluate(planted).hasViolation()).isTrue();
  }
}
