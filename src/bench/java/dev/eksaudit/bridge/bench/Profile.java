package dev.eksaudit.bridge.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * JFR around one end-to-end run ({@code jdk.ExecutionSample} every 10 ms, the JDK's "profile"
 * settings), summarised two ways: the hottest methods by self samples, and the share of samples
 * whose stack holds a frame of each cost bucket (first matching bucket, from the top of the stack).
 */
final class Profile {

    /** Cost buckets, tested against each frame from the top of the stack down. */
    static final Map<String, String[]> BUCKETS = new LinkedHashMap<>();

    static {
        BUCKETS.put("gunzip (Inflater)", new String[] {"java.util.zip.Inflater", "org.apache.commons.compress.compressors.gzip"});
        BUCKETS.put("framing JSON values (JsonValueFramer)", new String[] {"dev.eksaudit.bridge.decode.JsonValueFramer"});
        BUCKETS.put("Flink serialization/copy between operators", new String[] {
            "org.apache.flink.api.java.typeutils.runtime.PojoSerializer", "org.apache.flink.api.common.typeutils.base",
            "org.apache.flink.runtime.io.network.api.serialization", "org.apache.flink.streaming.runtime.streamrecord.StreamElementSerializer"});
        BUCKETS.put("the bench's receiver (not the job)", new String[] {"dev.eksaudit.bridge.bench.CountingReceiver", "sun.net.httpserver"});
        BUCKETS.put("HTTP client (httpclient5)", new String[] {"org.apache.hc."});
        BUCKETS.put("JSON parse (Jackson: envelopes, validation)", new String[] {"com.fasterxml.jackson"});
        BUCKETS.put("timestamp check (regex, OffsetDateTime)", new String[] {"java.util.regex", "java.time.format"});
        BUCKETS.put("dedup state (heap backend, TTL)", new String[] {"org.apache.flink.runtime.state", "dev.eksaudit.bridge.dedup"});
        BUCKETS.put("sink batching (AsyncSinkWriter, body build)", new String[] {"org.apache.flink.connector.base.sink", "dev.eksaudit.bridge.falco"});
        BUCKETS.put("other decode code (framing, records)", new String[] {"dev.eksaudit.bridge.decode"});
        BUCKETS.put("other Flink runtime (mailbox, network, timers)", new String[] {"org.apache.flink"});
        BUCKETS.put("S3 client (s3proxy server, S3A, AWS SDK)", new String[] {"org.gaul", "org.eclipse.jetty", "org.jclouds", "org.apache.hadoop", "com.amazonaws"});
    }

    private static boolean transparent(String name) {
        return name.startsWith("java.lang.") || name.startsWith("java.util.Arrays") || name.startsWith("java.util.ArrayList")
                || name.startsWith("java.util.HashMap") || name.startsWith("jdk.internal.") || name.startsWith("java.io.");
    }

    static Recording start() throws IOException, java.text.ParseException {
        Recording r = new Recording(Configuration.getConfiguration("profile"));
        r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        r.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        r.start();
        return r;
    }

    static final class Summary {
        long samples;
        List<Map.Entry<String, Long>> topMethods = new ArrayList<>();
        List<Map.Entry<String, Long>> buckets = new ArrayList<>();
    }

    static Summary stop(Recording r, Path file) throws IOException {
        r.stop();
        r.dump(file);
        r.close();
        Summary s = new Summary();
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> bucket = new LinkedHashMap<>();
        for (String b : BUCKETS.keySet()) {
            bucket.put(b, 0L);
        }
        bucket.put("other", 0L);
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (!"jdk.ExecutionSample".equals(type) && !"jdk.NativeMethodSample".equals(type)) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            if ("jdk.NativeMethodSample".equals(type)
                    && !st.getFrames().get(0).getMethod().getType().getName().startsWith("java.util.zip.Inflater")) {
                continue; // native samples are mostly threads waiting in I/O; only inflating is CPU work
            }
            s.samples++;
            List<RecordedFrame> frames = st.getFrames();
            RecordedFrame top = frames.get(0);
            self.merge(top.getMethod().getType().getName() + "." + top.getMethod().getName(), 1L, Long::sum);
            String hit = "other";
            for (RecordedFrame f : frames) {
                String typeName = f.getMethod().getType().getName();
                if (typeName.startsWith("dev.eksaudit.bridge.bench.CountingReceiver") || typeName.startsWith("sun.net.httpserver")) {
                    hit = "the bench's receiver (not the job)";
                    break;
                }
            }
            outer:
            for (RecordedFrame f : hit.equals("other") ? frames : List.<RecordedFrame>of()) {
                String name = f.getMethod().getType().getName() + "." + f.getMethod().getName();
                if (transparent(name)) {
                    continue; // a JDK helper (copy, String, collections): the cost belongs to its caller
                }
                for (Map.Entry<String, String[]> b : BUCKETS.entrySet()) {
                    for (String prefix : b.getValue()) {
                        if (name.startsWith(prefix)) {
                            hit = b.getKey();
                            break outer;
                        }
                    }
                }
            }
            bucket.merge(hit, 1L, Long::sum);
        }
        self.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                .forEach(s.topMethods::add);
        bucket.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(s.buckets::add);
        return s;
    }
}
