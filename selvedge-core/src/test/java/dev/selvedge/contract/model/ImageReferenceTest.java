package dev.selvedge.contract.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {
  @ParameterizedTest(name = "{0} ~ {1} = {2}")
  @CsvSource({
    "nginx, nginx:latest, true",
    "nginx, docker.io/library/nginx:latest, true",
    "nginx:1.25, index.docker.io/library/nginx:1.25, true",
    "nginx:1.25, nginx:1.24, false",
    "nginx:1.25@sha256:aa, nginx@sha256:aa, true",
    "nginx:1.25@sha256:aa, nginx:1.25, true",
    "team/app:1, docker.io/team/app:1, true",
    "localhost:5000/app:1, localhost:5000/app:1, true",
    "localhost:5000/app:1, app:1, false",
    "registry.example/team/api:1.4.2, registry.example/team/api, false",
  })
  void sameRepositoryAndTag(String a, String b, boolean same) {
    assertThat(ImageReference.parse(a).sameRepositoryAndTag(ImageReference.parse(b)))
        .isEqualTo(same);
    assertThat(ImageReference.parse(b).sameRepositoryAndTag(ImageReference.parse(a)))
        .isEqualTo(same);
  }

  @ParameterizedTest
  @CsvSource({
    "localhost:5000/app:1@sha256:ab, localhost:5000/app, 1, sha256:ab",
    "busybox, docker.io/library/busybox, , ",
  })
  void parts(String ref, String name, String tag, String digest) {
    ImageReference r = ImageReference.parse(ref);
    assertThat(r.name()).isEqualTo(name);
    assertThat(r.tag()).isEqualTo(tag);
    assertThat(r.digest()).isEqualTo(digest);
  }
}
