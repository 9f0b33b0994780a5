package io.jrego.server.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which route takes an input document. */
class RouteTableTest {

  private static ObjectValue input(String spiffeId, String extensionsJson) {
    String spiffe = spiffeId.isEmpty() ? "" : ",\"spiffe\":{\"id\":\"" + spiffeId + "\"}";
    return (ObjectValue)
        Json.parse("{\"attributes\":{\"contextExtensions\":" + extensionsJson + "}" + spiffe + "}");
  }

  private static Route route(String name, Optional<String> spiffe, Map<String, String> ext) {
    return new Route(
        name,
        Optional.empty(),
        name + "/allow",
        new Route.Match(spiffe, Optional.empty(), ext),
        Optional.empty());
  }

  private static final RouteTable TABLE =
      RouteTable.of(
          List.of(
              route("both", Optional.of("spiffe://td/ns/a/sa/x"), Map.of("w", "a")),
              route("ns", Optional.of("spiffe://td/ns/a/*"), Map.of()),
              route("ext", Optional.empty(), Map.of("w", "b", "tier", "gold"))));

  private static String taken(ObjectValue input) {
    return TABLE.select(input).map(Route::name).orElse("-");
  }

  @Test
  void everyConditionOfAMatchMustHoldAndTheFirstRouteThatMatchesWins() {
    assertThat(taken(input("spiffe://td/ns/a/sa/x", "{\"w\":\"a\"}"))).isEqualTo("both");
    assertThat(taken(input("spiffe://td/ns/a/sa/x", "{}"))).isEqualTo("ns");
    assertThat(taken(input("", "{\"w\":\"b\",\"tier\":\"gold\",\"x\":\"y\"}"))).isEqualTo("ext");
    assertThat(taken(input("", "{\"w\":\"b\"}"))).isEqualTo("-");
    assertThat(taken(input("", "{\"w\":\"b\",\"tier\":\"GOLD\"}"))).isEqualTo("-");
  }

  @Test
  void aWildcardTakesIdsUnderThePathOnly() {
    assertThat(taken(input("spiffe://td/ns/a/sa/y", "{}"))).isEqualTo("ns");
    assertThat(taken(input("spiffe://td/ns/a", "{}"))).isEqualTo("-");
    assertThat(taken(input("spiffe://td/ns/a/", "{}"))).isEqualTo("-");
    assertThat(taken(input("spiffe://td/ns/ab/sa/y", "{}"))).isEqualTo("-");
    assertThat(taken(input("spiffe://other/ns/a/sa/y", "{}"))).isEqualTo("-");
  }

  @Test
  void withoutIdentityOrExtensionsNoConditionalRouteMatches() {
    assertThat(taken((ObjectValue) Json.parse("{}"))).isEqualTo("-");
    assertThat(RouteTable.describeUnrouted((ObjectValue) Json.parse("{}")))
        .isEqualTo(
            "no route takes this request (caller without a SPIFFE ID, context_extensions {})");
  }

  @Test
  void theDestinationWorkloadIsMatchedOnItsOwn() {
    RouteTable t =
        RouteTable.of(
            List.of(
                new Route(
                    "pay",
                    Optional.empty(),
                    "pay/allow",
                    new Route.Match(
                        Optional.empty(), Optional.of("spiffe://td/ns/payments/*"), Map.of()),
                    Optional.empty())));
    ObjectValue toPayments =
        (ObjectValue)
            Json.parse(
                """
                {"attributes": {"destination": {"principal": "spiffe://td/ns/payments/sa/api"},
                                "source": {"principal": "spiffe://td/ns/web/sa/x"}}}
                """);
    assertThat(t.select(toPayments).map(Route::name)).contains("pay");
    ObjectValue toSearch =
        (ObjectValue)
            Json.parse(
                """
                {"attributes": {"destination": {"principal": "spiffe://td/ns/search/sa/api"}}}
                """);
    assertThat(t.select(toSearch)).isEmpty();
    assertThat(RouteTable.describeUnrouted(toSearch))
        .contains("destination spiffe://td/ns/search/sa/api");
  }

  @Test
  void aSingleTableIsNoRouting() {
    RouteTable single = RouteTable.single("envoy/authz/allow");
    assertThat(single.routing()).isFalse();
    assertThat(single.select(ObjectValue.EMPTY).orElseThrow().path())
        .isEqualTo("envoy/authz/allow");
  }
}
