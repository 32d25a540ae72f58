package io.jraid.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.MemoryDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Export validation, block sizes and the export table. */
class NbdExportTest {

  @Test
  void preferredBlockSizeIsTheLargestPowerOfTwoNotAboveTheHint() {
    assertThat(NbdExport.preferredBlockSizeFor(256 << 10)).isEqualTo(256 << 10);
    assertThat(NbdExport.preferredBlockSizeFor(192 << 10)).isEqualTo(128 << 10);
    assertThat(NbdExport.preferredBlockSizeFor(4096 + 512)).isEqualTo(4096);
    assertThat(NbdExport.preferredBlockSizeFor(512)).isEqualTo(4096);
    assertThat(NbdExport.preferredBlockSizeFor(0)).isEqualTo(4096);
    assertThat(NbdExport.preferredBlockSizeFor(-1)).isEqualTo(4096);
    assertThat(NbdExport.preferredBlockSizeFor(1L << 40)).isEqualTo(32 << 20);
  }

  @Test
  void minimumBlockSizeFollowsTheDevice() {
    try (MemoryDevice small = MemoryDevice.create("s", 1 << 20);
        MemoryDevice big = MemoryDevice.create("b", 1 << 20, 16384)) {
      assertThat(NbdExport.of("s", small, 0).minimumBlockSize()).isEqualTo(512);
      NbdExport b = NbdExport.of("b", big, 4096);
      assertThat(b.minimumBlockSize()).isEqualTo(16384);
      assertThat(b.preferredBlockSize()).isEqualTo(16384);
    }
  }

  @Test
  void rejectsWhatClientsCannotUse() {
    try (MemoryDevice odd = MemoryDevice.create("odd", 1000);
        MemoryDevice disk = MemoryDevice.create("disk", 1 << 20)) {
      assertThatThrownBy(() -> NbdExport.of("odd", odd, 4096))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a multiple of the minimum block size 512");
      assertThatThrownBy(() -> new NbdExport("d", "", disk, 3 << 12))
          .hasMessageContaining("preferredBlockSize=12288");
      assertThatThrownBy(() -> new NbdExport("d", "", disk, 2048))
          .hasMessageContaining("preferredBlockSize=2048");
      assertThatThrownBy(() -> new NbdExport("d", "", disk, 64 << 20))
          .hasMessageContaining("preferredBlockSize");
      assertThatThrownBy(() -> new NbdExport("a\0b", "", disk, 4096)).hasMessageContaining("NUL");
      assertThatThrownBy(() -> new NbdExport("x".repeat(4097), "", disk, 4096))
          .hasMessageContaining("4097 bytes");
      assertThat(new NbdExport("x".repeat(4096), "", disk, 4096).name()).hasSize(4096);
    }
  }

  @Test
  void exportTableFindsByNameAndDefault() {
    try (MemoryDevice a = MemoryDevice.create("a", 4096);
        MemoryDevice b = MemoryDevice.create("b", 4096)) {
      NbdExport ea = NbdExport.of("a", a, 4096);
      NbdExport eb = NbdExport.of("b", b, 4096);
      ExportTable t = new ExportTable(List.of(ea, eb), "b");
      assertThat(t.find("")).isSameAs(eb);
      assertThat(t.find("a")).isSameAs(ea);
      assertThat(t.find("c")).isNull();
      assertThat(t.all()).containsExactly(ea, eb);
      assertThatThrownBy(() -> new ExportTable(List.of(), "")).hasMessageContaining("no export");
      assertThatThrownBy(() -> new ExportTable(List.of(ea, ea), "a"))
          .hasMessageContaining("two exports are named \"a\"");
      assertThatThrownBy(() -> new ExportTable(List.of(ea), "z"))
          .hasMessageContaining("default export \"z\"");
      // An export may be named "" itself; it is then what the empty name finds.
      NbdExport empty = NbdExport.of("", b, 4096);
      assertThat(new ExportTable(List.of(ea, empty), "a").find("")).isSameAs(empty);
    }
  }
}
