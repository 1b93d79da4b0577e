package dev.selvedge.contract.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.selvedge.contract.ContractException;
import dev.selvedge.contract.model.VariableUse;
import dev.selvedge.contract.yaml.MapNode;
import dev.selvedge.contract.yaml.Node;
import dev.selvedge.contract.yaml.ScalarNode;
import dev.selvedge.contract.yaml.SeqNode;
import dev.selvedge.contract.yaml.Tag;
import dev.selvedge.contract.yaml.YamlReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class InterpolatorTest {
  private static final Function<String, String> ENV =
      Map.of("TAG", "1.4", "PORT", "8080", "EMPTY", "")::get;

  @Test
  void requiredVariableMessageCarriesNameAndSubstitutedReason() {
    assertThatThrownBy(() -> Interpolator.substitute("${DB:?set DB in .env (tag $TAG)}", ENV))
        .isInstanceOfSatisfying(
            InterpolationException.class,
            e -> {
              assertThat(e.getMessage())
                  .isEqualTo("required variable DB is missing a value: set DB in .env (tag 1.4)");
              assertThat(e.variable()).isEqualTo("DB");
              assertThat(e.kind()).isEqualTo(InterpolationException.Kind.MISSING_REQUIRED);
            });
    assertThatThrownBy(() -> Interpolator.substitute("${EMPTY:?}", ENV))
        .hasMessage("required variable EMPTY is missing a value");
    assertThat(Interpolator.substitute("${EMPTY?}", ENV)).isEmpty();
  }

  @Test
  void doubleDollarIsALiteralDollarAndIsNotLookedUp() {
    List<String> asked = new ArrayList<>();
    String out =
        Interpolator.substitute(
            "$$HOME $${TAG} $$$TAG",
            name -> {
              asked.add(name);
              return ENV.apply(name);
            });
    assertThat(out).isEqualTo("$HOME ${TAG} $1.4");
    assertThat(asked).containsExactly("TAG");
  }

  @Test
  void invalidTemplatesAreRejected() {
    for (String bad :
        List.of("${", "${}", "${ TAG}", "${TAG }", "${TAG!}", "${TAG:-x", "a ${1X}")) {
      assertThatThrownBy(() -> Interpolator.substitute(bad, ENV))
          .as(bad)
          .isInstanceOfSatisfying(
              InterpolationException.class,
              e -> assertThat(e.kind()).isEqualTo(InterpolationException.Kind.INVALID_TEMPLATE))
          .hasMessageContaining("Invalid template");
    }
  }

  @Test
  void interpolateKeepsMarksTagsPlainFlagAndKeys() {
    Node tree =
        YamlReader.read(
            "compose.yaml",
            """
            services:
              api:
                image: "repo/api:${TAG:-latest}"
                ports:
                  - ${PORT}:80
                  - 9000
                labels: !override
                  $KEY: ${MISSING}
            """);
    List<VariableUse> uses = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Node out = Interpolator.interpolate(tree, ENV, uses::add, warnings::add);

    MapNode api = (MapNode) ((MapNode) ((MapNode) out).get("services")).get("api");
    MapNode apiBefore = (MapNode) ((MapNode) ((MapNode) tree).get("services")).get("api");
    ScalarNode image = (ScalarNode) api.get("image");
    assertThat(image.value()).isEqualTo("repo/api:1.4");
    assertThat(image.plain()).isFalse();
    assertThat(image.mark()).isEqualTo(apiBefore.get("image").mark());

    SeqNode ports = (SeqNode) api.get("ports");
    ScalarNode port = (ScalarNode) ports.items().get(0);
    assertThat(port.value()).isEqualTo("8080:80");
    assertThat(port.plain()).isTrue();
    assertThat(ports.items().get(1)).isSameAs(((SeqNode) apiBefore.get("ports")).items().get(1));

    MapNode labels = (MapNode) api.get("labels");
    assertThat(labels.tag()).isEqualTo(Tag.OVERRIDE);
    assertThat(labels.entries()).containsOnlyKeys("$KEY");
    assertThat(((ScalarNode) labels.get("$KEY")).value()).isEmpty();

    assertThat(uses)
        .extracting(VariableUse::name, VariableUse::hasDefault, VariableUse::path)
        .containsExactly(
            tuple("TAG", true, "services.api.image"),
            tuple("PORT", false, "services.api.ports[0]"),
            tuple("MISSING", false, "services.api.labels.$KEY"));
    assertThat(uses.get(1).mark()).isEqualTo(port.mark());
    assertThat(port.mark().line()).isEqualTo(5);
    assertThat(warnings).singleElement().asString().contains("\"MISSING\"");
  }

  @Test
  void treeWithoutVariablesIsReturnedAsIs() {
    Node tree = YamlReader.read("c.yaml", "services:\n  a:\n    image: nginx\n    ports: [80]\n");
    assertThat(Interpolator.interpolate(tree, ENV, u -> {})).isSameAs(tree);
  }

  @Test
  void unsetVariableWarnsOncePerName() {
    Node tree = YamlReader.read("c.yaml", "a: ${X}\nb: [$X, '${Y:-d}', '${Z:+${W}}']\n");
    List<String> warnings = new ArrayList<>();
    Interpolator.interpolate(tree, ENV, u -> {}, warnings::add);
    assertThat(warnings).singleElement().asString().contains("\"X\"").contains("first used at a");
  }

  @Test
  void failureNamesFileLineAndPath() {
    Node tree =
        YamlReader.read(
            "compose.yaml", "services:\n  api:\n    environment:\n      DB: ${DB_URL:?set it}\n");
    assertThatThrownBy(() -> Interpolator.interpolate(tree, ENV, u -> {}))
        .isInstanceOfSatisfying(
            ContractException.class,
            e -> {
              assertThat(e.path()).isEqualTo("services.api.environment.DB");
              assertThat(e.mark().file()).isEqualTo("compose.yaml");
              assertThat(e.mark().line()).isEqualTo(4);
              assertThat(e.getMessage())
                  .endsWith(
                      "error while interpolating services.api.environment.DB: required variable"
                          + " DB_URL is missing a value: set it");
            });
  }
}
