package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.model.ServiceVolume;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Round trips through {@link VolumeSyntax#format}, beyond the conformance data. */
class VolumeSyntaxTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "/src:/dst:rw",
        "./rel:/dst:ro",
        "/src:/dst:ro,Z,rslave",
        "data:/data:rw,nocopy",
        "C:\\data:D:\\data:rw",
        "/tmp:/t/${T:-12:30}:ro"
      })
  void formatInvertsParse(String spec) {
    assertThat(VolumeSyntax.format(VolumeSyntax.parse(spec))).isEqualTo(spec);
  }

  @org.junit.jupiter.api.Test
  void anonymousVolumeFormatsAsItsTarget() {
    ServiceVolume v = VolumeSyntax.parse("/cache");
    assertThat(v.source()).isNull();
    assertThat(VolumeSyntax.format(v)).isEqualTo("/cache");
  }
}
