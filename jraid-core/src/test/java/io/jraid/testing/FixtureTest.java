package io.jraid.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest accessors and the unpacking rules of {@link Fixture}. */
class FixtureTest {

  private static final Fixture R5 = LinuxFixtures.get("r5-4d-64k-left-symmetric");

  @Test
  void typedAccessorsReadTheManifest() {
    assertThat(R5.name()).isEqualTo("r5-4d-64k-left-symmetric");
    assertThat(R5.level()).isEqualTo(5);
    assertThat(R5.raidDevices()).isEqualTo(4);
    assertThat(R5.chunkKib()).isEqualTo(64);
    assertThat(R5.layoutName()).isEqualTo("left-symmetric");
    assertThat(R5.layoutNum()).isEqualTo(2);
    assertThat(R5.metadata()).isEqualTo("1.2");
    assertThat(R5.bitmap()).isEqualTo("none");
    assertThat(R5.featureMap()).isZero();
    assertThat(R5.arrayUuid()).isEqualTo("be466e9f:f30ba2d4:4cfc569c:8c0c4bf1");
    assertThat(HexFormat.of().formatHex(R5.arrayUuidBytes()))
        .isEqualTo("be466e9ff30ba2d44cfc569c8c0c4bf1");
    assertThat(R5.arrayName()).isEqualTo("mdoracle:0");
    assertThat(R5.dataOffsetSectors()).isEqualTo(2048);
    assertThat(R5.superOffsetSectors()).isEqualTo(8);
    assertThat(R5.memberSizeBytes()).isEqualTo(2 << 20);
    assertThat(R5.arraySizeBytes()).isEqualTo(3 << 20);
    assertThat(R5.patternSeed()).isEqualTo("r5-4d-64k-left-symmetric");
    assertThat(R5.sha256())
        .isEqualTo("b110de2e29aff59fe2c131af486c2f371eed3310cc5b9287d9fc3750d0d19398");
    assertThat(R5.members().get(3))
        .isEqualTo(
            new Fixture.Member(
                3,
                "disk3.img",
                3,
                "9e9f2b27:50157c33:3769f634:af2a3aaf",
                2048,
                18,
                "clean",
                "d98779776b8d433d4c6e7b98860937a73c8c4caeafec6949cb42045d477efebd"));
  }

  @Test
  void theBitmapFixtureHasTheBitmapFeature() {
    Fixture f = LinuxFixtures.get("r5-4d-64k-left-symmetric-bitmap");
    assertThat(f.bitmap()).isEqualTo("internal");
    assertThat(f.featureMap()).isEqualTo(1);
  }

  @Test
  void theManifestCannotBeChangedFromOutside() {
    R5.manifest().setProperty("level", "0");
    assertThat(R5.level()).isEqualTo(5);
  }

  @Test
  void aMissingKeyFailsNamingIt() {
    assertThatThrownBy(() -> R5.property("no_such_key"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no_such_key")
        .hasMessageContaining(R5.name());
  }

  @Test
  void sharedImagesAreUnpackedOnce() {
    assertThat(R5.images()).isSameAs(R5.images());
    assertThat(LinuxFixtures.get(R5.name()).images()).isSameAs(R5.images());
  }

  @Test
  void unpackGivesFreshWritableCopies(@TempDir Path tmp) {
    List<Path> copies = R5.unpack(tmp);
    assertThat(copies)
        .containsExactly(
            tmp.resolve(R5.name()).resolve("disk0.img"),
            tmp.resolve(R5.name()).resolve("disk1.img"),
            tmp.resolve(R5.name()).resolve("disk2.img"),
            tmp.resolve(R5.name()).resolve("disk3.img"))
        .allMatch(Files::isWritable)
        .doesNotContainAnyElementsOf(R5.images());
  }

  @Test
  void unpackNeverWritesIntoTheFixturesFolder() {
    assertThatThrownBy(() -> R5.unpack(R5.folder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fixtures folder");
    assertThatThrownBy(() -> R5.unpack(LinuxFixtures.root()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDamagedImageIsRejected(@TempDir Path tmp) throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("fixtures/damaged"));
    Files.writeString(
        folder.resolve("manifest.txt"),
        """
        member.0.file=disk0.img
        member.0.role=0
        member.0.dev_uuid=00000000:00000000:00000000:00000000
        member.0.data_offset_sectors=2048
        member.0.events=1
        member.0.state=clean
        member.0.sha256=%s
        """
            .formatted(Sha256.of("what the manifest expects".getBytes(UTF_8))),
        UTF_8);
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(folder.resolve("disk0.img.gz")))) {
      out.write("something else".getBytes(UTF_8));
    }
    Path out = tmp.resolve("out");
    assertThatThrownBy(() -> Fixture.load(folder).unpack(out))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("disk0.img.gz")
        .hasMessageContaining(Sha256.of("something else".getBytes(UTF_8)));
    assertThat(out.resolve("damaged/disk0.img")).doesNotExist();
  }
}
