/**
 * The service-provider interface for custom builtins: functions a Java application adds to the
 * policies it compiles, as OPA's Go API adds them with {@code rego.Function}. A {@link
 * io.jrego.engine.spi.CustomBuiltin} pairs a declaration (name and operand count, or a typed
 * signature in OPA's notation) with a {@link io.jrego.engine.spi.CustomFunction}, which answers
 * with an explicit {@link io.jrego.engine.spi.BuiltinResult}: a value, or undefined. It is added
 * with {@code Rego.Builder#builtin(CustomBuiltin)}.
 *
 * <p>jrego's own builtins are written against an internal interface ({@code
 * io.jrego.engine.builtins.spi}) that the module does not export; this package is the stable one.
 */
package io.jrego.engine.spi;
