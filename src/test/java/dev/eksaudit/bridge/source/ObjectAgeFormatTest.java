package dev.eksaudit.bridge.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.ObjectRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

class ObjectAgeFormatTest {

    private static final Instant NOW = Instant.parse("2026-11-26T15:10:00Z");

    /** Records which splits it was asked to open; reads nothing. */
    private static final class Recording implements BulkFormat<ObjectRecord, FileSourceSplit> {
        final List<String> opened = new ArrayList<>();

        @Override
        public Reader<ObjectRecord> createReader(Configuration config, FileSourceSplit split) {
            opened.add("create " + split.splitId());
            return null;
        }

        @Override
        public Reader<ObjectRecord> restoreReader(Configuration config, FileSourceSplit split) {
            opened.add("restore " + split.splitId());
            return null;
        }

        @Override
        public boolean isSplittable() {
            return false;
        }

        @Override
        public TypeInformation<ObjectRecord> getProducedType() {
            return TypeInformation.of(ObjectRecord.class);
        }
    }

    private static FileSourceSplit split(String id, Instant modified) {
        return new FileSourceSplit(id, new Path("s3://b/p/2026/11/26/15/" + id), 0, 10, modified.toEpochMilli(), 10);
    }

    @Test
    void ageIsNowMinusModificationTimeWhenReadingStarts() throws Exception {
        ObjectAgeFormat.Age age = new ObjectAgeFormat.Age(Clock.fixed(NOW, ZoneOffset.UTC));
        Recording inner = new Recording();
        ObjectAgeFormat format = new ObjectAgeFormat(inner, age);
        assertThat(age.getValue()).as("nothing read yet").isEqualTo(ObjectAgeFormat.Age.UNDEFINED);

        format.createReader(new Configuration(), split("a", NOW.minusSeconds(90)));
        assertThat(age.getValue()).isEqualTo(90_000L);

        format.restoreReader(new Configuration(), split("b", NOW.minusSeconds(5)));
        assertThat(age.getValue()).as("the most recently started object").isEqualTo(5_000L);

        format.createReader(new Configuration(), new FileSourceSplit("c", new Path("file:///x"), 0, 1, 0, 1));
        assertThat(age.getValue()).as("an unknown modification time keeps the last value").isEqualTo(5_000L);

        assertThat(inner.opened).containsExactly("create a", "restore b", "create c");
        assertThat(format.isSplittable()).isFalse();
        assertThat(format.getProducedType()).isEqualTo(inner.getProducedType());
    }

    @Test
    void aModificationTimeAheadOfTheClockReadsAsZero() throws Exception {
        ObjectAgeFormat.Age age = new ObjectAgeFormat.Age(Clock.fixed(NOW, ZoneOffset.UTC));
        new ObjectAgeFormat(new Recording(), age).createReader(new Configuration(), split("a", NOW.plusSeconds(3)));
        assertThat(age.getValue()).isZero();
    }
}
