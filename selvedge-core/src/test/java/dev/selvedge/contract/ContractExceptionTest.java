package dev.selvedge.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.selvedge.contract.yaml.Mark;
import org.junit.jupiter.api.Test;

class ContractExceptionTest {
  private static final Mark AT = new Mark("compose.yaml", 4, 3);

  @Test
  void aShortPathInsideAWordOfTheMessageIsStillNamed() {
    // "a" occurs in "duplicate key": taking that for a mention used to drop the key.
    assertThat(new ContractException(AT, "a", "duplicate key").getMessage())
        .isEqualTo("compose.yaml:4:3: a: duplicate key");
    assertThat(new ContractException(AT, "services.a", "refers to services.ab").getMessage())
        .isEqualTo("compose.yaml:4:3: services.a: refers to services.ab");
  }

  @Test
  void aMessageThatNamesItsPathIsNotPrefixedTwice() {
    assertThat(
            new ContractException(
                    AT, "services.a.image", "error while interpolating services.a.image: x")
                .getMessage())
        .isEqualTo("compose.yaml:4:3: error while interpolating services.a.image: x");
    assertThat(
            new ContractException(
                    AT, "services.a.image", "invalid interpolation format for services.a.image.")
                .getMessage())
        .isEqualTo("compose.yaml:4:3: invalid interpolation format for services.a.image.");
  }
}
