package io.jrego.engine;

import io.jrego.engine.ast.Module;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.compiler.CompiledPolicy;
import io.jrego.engine.parser.Parser;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one load of a policy parsed and compiled, kept for the next load, as OPA keeps the parsed
 * modules of files that did not change: a server swapping bundles parses each module once per swap
 * (the bundle loader's package check and the compile ask for the same parse) and not at all when
 * its file, Rego version and text are those of the policy it replaces; when every module is
 * unchanged (a swap of data alone), the compiled rules are reused too.
 *
 * <p>A load goes: {@link #packageOf} for each module the loader checks ({@code
 * BundleLoader.Options#modules}), a compile through {@link Rego.Builder#parsedWith}, then either
 * {@link #keep} once the compiled policy is the one serving, or {@link #dropPending} when the load
 * failed. Between those calls it holds what that load parsed; after them only the serving policy's
 * modules and compiled rules, which that policy holds anyway: nothing grows from one load to the
 * next, and a load that failed leaves nothing behind.
 *
 * <p>It also keeps the compile of the policy before the serving one, when its Rego is small ({@link
 * #ModuleCache(long)}): a swap back to a policy seen just before (a canary bundle rolled back, or
 * the fault matrix's cpu-policy phase ending) then parses nothing and compiles nothing. That one
 * slot is the only thing held beyond the serving policy, and only for modules whose texts come to
 * at most {@code previousMaxBytes}, so its heap is bounded and small against what a bundle may
 * take.
 *
 * <p>Reusing is sound because a parsed module and a compiled policy are immutable: the compiler
 * builds new terms and never changes the ones it is given; a module is reused only for the same
 * file name (its locations name it), Rego version and text. Thread-safe.
 */
public final class ModuleCache {

  private record Parsed(String source, RegoVersion version, Module module) {
    boolean same(String src, RegoVersion v) {
      return version == v && source.equals(src);
    }
  }

  /** A compile: its modules in order (by identity) and what the compiler made of them. */
  private record Compiled(
      Map<String, Parsed> byFile, List<Module> modules, CompiledPolicy policy) {}

  private Map<String, Parsed> kept = Map.of();
  private Compiled keptCompile;
  private Compiled previousCompile;
  private final Map<String, Parsed> pending = new HashMap<>();
  private Compiled pendingCompile;
  private final long previousMaxBytes;
  private long parsed;
  private long reused;
  private long compilesReused;

  /** Nothing kept yet; the serving policy's compile alone is kept, no previous one. */
  public ModuleCache() {
    this(0);
  }

  /**
   * Nothing kept yet.
   *
   * @param previousMaxBytes the most characters of Rego the policy before the serving one may have
   *     for its compile to be kept too; 0 for none. Compiling keeps about 50 times the source in
   *     the heap ({@code BundleLimits#maxModuleBytes}).
   */
  public ModuleCache(long previousMaxBytes) {
    if (previousMaxBytes < 0) {
      throw new IllegalArgumentException("previousMaxBytes must not be negative");
    }
    this.previousMaxBytes = previousMaxBytes;
  }

  /**
   * The package path of the module {@code source} parses to as {@code file} in {@code version}
   * ({@code [a, b]} for {@code package a.b}), parsed through {@link #parse}: what the bundle loader
   * checks against the manifest's roots.
   *
   * @throws RegoException with the parse errors
   */
  public List<String> packageOf(String file, String source, RegoVersion version)
      throws RegoException {
    return parse(file, source, version).packagePath();
  }

  /**
   * The module {@code source} parses to as {@code file} in {@code version}: the one parsed for the
   * same file, version and text by this load or kept from the last (or the one before it), else
   * parsed now.
   *
   * @throws RegoException with the parse errors (a module that does not parse is never kept)
   */
  synchronized Module parse(String file, String source, RegoVersion version) throws RegoException {
    Parsed p = held(file, source, version);
    if (p != null) {
      reused++;
      return p.module();
    }
    Module m = Parser.parseModule(file, source, version);
    parsed++;
    pending.put(file, new Parsed(source, version, m));
    return m;
  }

  /** The module held for this file, version and text: this load's, the kept or the previous. */
  private Parsed held(String file, String source, RegoVersion version) {
    Parsed p = pending.get(file);
    if (p != null && p.same(source, version)) {
      return p;
    }
    p = kept.get(file);
    if (p != null && p.same(source, version)) {
      return p;
    }
    p = previousCompile == null ? null : previousCompile.byFile().get(file);
    return p != null && p.same(source, version) ? p : null;
  }

  /**
   * The compiled rules of the serving policy, or of the one before it, if it was compiled from
   * exactly {@code modules} (the same parsed modules, by identity, in the same order), else null.
   */
  synchronized CompiledPolicy compiledFrom(List<Module> modules) {
    for (Compiled k : new Compiled[] {keptCompile, previousCompile}) {
      if (compiledFrom(k, modules)) {
        compilesReused++;
        return k.policy();
      }
    }
    return null;
  }

  @SuppressWarnings("ReferenceEquality") // the same parse, not an equal one
  private static boolean compiledFrom(Compiled k, List<Module> modules) {
    if (k == null || k.policy() == null || k.modules().size() != modules.size()) {
      return false;
    }
    for (int i = 0; i < modules.size(); i++) {
      if (k.modules().get(i) != modules.get(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A compile of this load: {@code files} with their texts and versions parsed to {@code modules}
   * (in the same order), compiled to {@code policy} (null: not to be reused, as when custom
   * builtins resolved its calls); kept by {@link #keep}.
   */
  synchronized void compiled(
      List<String> files,
      List<String> sources,
      List<RegoVersion> versions,
      List<Module> modules,
      CompiledPolicy policy) {
    Map<String, Parsed> byFile = new HashMap<>();
    for (int i = 0; i < files.size(); i++) {
      byFile.put(files.get(i), new Parsed(sources.get(i), versions.get(i), modules.get(i)));
    }
    pendingCompile = new Compiled(byFile, List.copyOf(modules), policy);
  }

  /**
   * The last compile of this load is the policy now serving: its modules and compiled rules are
   * kept for the next load, everything else is dropped. Without a compile since the last {@link
   * #keep} or {@link #dropPending}, only drops what this load parsed.
   */
  // the same compiled rules (a load of data alone), not equal ones
  @SuppressWarnings("ReferenceEquality")
  public synchronized void keep() {
    Compiled c = pendingCompile;
    if (c != null) {
      Compiled was = keptCompile;
      if (was != null && (was.policy() == null || was.policy() != c.policy())) {
        // the policy it replaces becomes the previous one, if small enough to hold as well
        previousCompile = was.policy() != null && sourceChars(was) <= previousMaxBytes ? was : null;
      }
      kept = Map.copyOf(c.byFile());
      keptCompile = c;
    }
    pending.clear();
    pendingCompile = null;
  }

  /** The load failed, or was held back: what it parsed or compiled is dropped; the kept stays. */
  public synchronized void dropPending() {
    pending.clear();
    pendingCompile = null;
  }

  /** Modules parsed since this cache was made. */
  public synchronized long parsedTotal() {
    return parsed;
  }

  /** Module parses saved since this cache was made: a module found parsed already. */
  public synchronized long reusedTotal() {
    return reused;
  }

  /** Compiles saved since this cache was made: every module unchanged. */
  public synchronized long compilesReusedTotal() {
    return compilesReused;
  }

  /** Whether the compile of the policy before the serving one is held. */
  public synchronized boolean holdsPrevious() {
    return previousCompile != null;
  }

  private static long sourceChars(Compiled c) {
    long n = 0;
    for (Parsed p : c.byFile().values()) {
      n += p.source().length();
    }
    return n;
  }

  /**
   * How many modules are held now (kept, previous and pending): what the bound is about, for tests.
   */
  synchronized int held() {
    return kept.size()
        + pending.size()
        + (previousCompile == null ? 0 : previousCompile.byFile().size());
  }
}
