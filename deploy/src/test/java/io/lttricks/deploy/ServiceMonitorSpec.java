package io.lttricks.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * The fields of Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1) that these
 * manifests may use, as its API reference specifies them; anything else is a typo the operator's
 * CRD validation would reject (fabric8 has no model of it on this class path).
 */
final class ServiceMonitorSpec {
    static final Set<String> SPEC = Set.of("endpoints", "selector", "namespaceSelector", "jobLabel", "targetLabels",
            "podTargetLabels", "sampleLimit", "targetLimit", "scrapeProtocols", "labelLimit", "labelNameLengthLimit",
            "labelValueLengthLimit", "attachMetadata", "scrapeClass", "bodySizeLimit", "selectorMechanism",
            "fallbackScrapeProtocol", "keepDroppedTargets", "nativeHistogramBucketLimit", "nativeHistogramMinBucketFactor",
            "scrapeClassicHistograms", "convertClassicHistogramsToNHCB");
    static final Set<String> ENDPOINT = Set.of("port", "targetPort", "path", "scheme", "params", "interval",
            "scrapeTimeout", "tlsConfig", "bearerTokenFile", "bearerTokenSecret", "authorization", "honorLabels",
            "honorTimestamps", "trackTimestampsStaleness", "basicAuth", "oauth2", "metricRelabelings", "relabelings",
            "proxyUrl", "followRedirects", "enableHttp2", "filterRunning", "noProxy", "proxyFromEnvironment",
            "proxyConnectHeader");
    static final Set<String> SELECTOR = Set.of("matchLabels", "matchExpressions");
    static final Set<String> NAMESPACES = Set.of("any", "matchNames");

    private ServiceMonitorSpec() {
    }

    static List<String> problems(JsonNode o, String where) {
        List<String> out = StrictModels.customResource(o, "monitoring.coreos.com/v1", SPEC, where);
        JsonNode spec = o.path("spec");
        StrictModels.unknownFields(spec.path("selector"), SELECTOR, where + ".spec.selector", out);
        StrictModels.unknownFields(spec.path("namespaceSelector"), NAMESPACES, where + ".spec.namespaceSelector", out);
        if (!spec.path("endpoints").isArray() || spec.path("endpoints").isEmpty()) {
            out.add(where + ": spec.endpoints must list at least one endpoint");
        }
        for (JsonNode e : spec.path("endpoints")) {
            StrictModels.unknownFields(e, ENDPOINT, where + ".endpoint", out);
            for (String d : List.of("interval", "scrapeTimeout")) {
                if (e.has(d) && !e.get(d).asText().matches("(\\d+(ms|s|m|h))+")) {
                    out.add(where + ".endpoint." + d + " must be a Prometheus duration, got " + e.get(d));
                }
            }
        }
        return out;
    }
}
