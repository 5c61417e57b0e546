using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Rig.Host.Tests.Journal;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Protocol;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class BadInputWarningsTests
{
    [Fact]
    public void A_flood_of_one_kind_gives_one_warning_a_minute_that_says_how_many_came_since()
    {
        var time = new ManualTimeProvider();
        var log = new ListLogger();
        var warnings = new BadInputWarnings(log, time);

        for (int i = 0; i < 1000; i++)
        {
            warnings.Note("Truncated", "events: message " + i);
        }

        Assert.Single(log.Warnings);
        Assert.Contains("Truncated", log.Warnings[0], StringComparison.Ordinal);

        // Another reason is warned at once, whatever the first is doing.
        warnings.Note("UnsupportedVersion", "status: version 2");
        Assert.Equal(2, log.Warnings.Count);

        // Just under a minute later: still quiet; at a minute: one warning counting what came meanwhile.
        time.Advance(BadInputWarnings.Interval - TimeSpan.FromSeconds(1));
        warnings.Note("Truncated", "events: late");
        Assert.Equal(2, log.Warnings.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        warnings.Note("Truncated", "events: next minute");
        Assert.Equal(3, log.Warnings.Count);
        Assert.Contains("1000 more of this kind", log.Warnings[2], StringComparison.Ordinal);
        Assert.Equal(3, warnings.Warned);
    }

    [Fact]
    public void The_summary_keeps_the_first_two_examples_of_each_reason_so_a_flood_leaves_room_for_the_others()
    {
        var decoder = new SessionDecoder("rig1");
        var seen = new List<string>();
        decoder.BadInput = (reason, _) => seen.Add(reason);
        for (int i = 0; i < 50; i++)
        {
            decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Events, i, new byte[] { 0x01 }));
        }

        decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Sync, 60, new byte[] { 0x99, 0x01 }));
        decoder.Process(new JournalRecord(JournalRecordType.Received, TopicKind.Ack, 61, Array.Empty<byte>()));

        var counts = decoder.Summarize();
        Assert.Equal(52, counts.MalformedMessages.Values.Sum());
        Assert.Equal(52, seen.Count);
        // 51 Truncated (50 batches and the empty ack) keep two examples; the one UnknownMessageType keeps its own.
        Assert.Equal(51, counts.MalformedMessages["Truncated"]);
        Assert.Equal(3, counts.MalformedExamples.Count);
        Assert.Equal(SessionDecoder.ExamplesPerReason, counts.MalformedExamples.Count(e => e.StartsWith("Events", StringComparison.Ordinal)));
        Assert.Contains(counts.MalformedExamples, e => e.StartsWith("Sync", StringComparison.Ordinal));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
