package io.openhqm.distribution;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The boundaries of STYLE.md §9, checked on every build over the server and every bundled plugin (this module has
 * them all on its class path).
 */
@AnalyzeClasses(packages = "io.openhqm", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule SPI_DEPENDS_ON_NOTHING_OF_OURS = classes().that().resideInAPackage("io.openhqm.api..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.openhqm.api..", "java..",
                    "io.micrometer.core.instrument..")
            .as("The SPI depends only on itself, the JDK and Micrometer's API.");

    @ArchTest
    static final ArchRule ONLY_CONFIG_SEES_TYPESAFE_CONFIG = noClasses().that()
            .resideOutsideOfPackage("io.openhqm.server.config..")
            .should().dependOnClassesThat().resideInAPackage("com.typesafe.config..")
            .as("Only the config package imports Typesafe Config.");

    @ArchTest
    static final ArchRule ONLY_HTTP_SEES_UNDERTOW = noClasses().that()
            .resideOutsideOfPackage("io.openhqm.server.http..")
            .should().dependOnClassesThat().resideInAnyPackage("io.undertow..", "org.xnio..")
            .as("Only the http package imports Undertow.");

    @ArchTest
    static final ArchRule PLUGINS_SEE_ONLY_THE_SPI = noClasses().that().resideInAPackage("io.openhqm.plugin..")
            .should().dependOnClassesThat().resideInAPackage("io.openhqm.server..")
            .as("Plugins compile against the SPI alone, never the server.");

    @ArchTest
    static final ArchRule PLUGINS_STAND_ALONE = slices().matching("io.openhqm.plugin.(*)..")
            .should().notDependOnEachOther()
            .as("No bundled plugin (embedded, redis, kafka, egress, sample) uses another plugin's classes.");

    @ArchTest
    static final ArchRule EGRESS_SEES_NO_OTHER_HTTP_STACK = noClasses().that()
            .resideInAPackage("io.openhqm.plugin.egress.http..")
            .should().dependOnClassesThat().resideInAnyPackage("io.undertow..", "org.xnio..", "io.netty..",
                    "com.fasterxml.jackson..")
            .as("The HTTP egress calls out with java.net.http alone.");

    @ArchTest
    static final ArchRule TOOLKIT_SEES_ONLY_THE_SPI = noClasses().that().resideInAPackage("io.openhqm.toolkit..")
            .should().dependOnClassesThat().resideInAnyPackage("io.openhqm.server..", "io.openhqm.plugin..")
            .as("The plugin toolkit, bundled by plugins, builds on the SPI alone.");

    @ArchTest
    static final ArchRule ENGINE_SEES_ONLY_THE_SPI = noClasses().that().resideInAPackage("io.openhqm.server.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("io.openhqm.server.config..",
                    "io.openhqm.server.http..", "io.openhqm.server.plugin..", "io.openhqm.server.ingress..")
            .as("The worker engine sees only the SPI.");

    @ArchTest
    static final ArchRule INGRESS_SEES_NO_CONFIG = noClasses().that().resideInAPackage("io.openhqm.server.ingress..")
            .should().dependOnClassesThat().resideInAnyPackage("io.openhqm.server.config..",
                    "io.openhqm.server.http..", "io.openhqm.server.engine..", "io.openhqm.server.plugin..")
            .as("The ingress port sees only the SPI: its driving adapters and the wiring hand it what it needs.");

    @ArchTest
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("io.openhqm.server.(*)..").should().beFreeOfCycles()
            .as("The server's packages have no cycles.");
}
