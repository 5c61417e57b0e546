using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Rig.Recording.Journal;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Sessions;

public sealed class SessionFolderTests
{
    private static SessionHeader Header(string rig = "rig-f") => new("rig-session/1", "id", rig, 7, "0.1.0", DateTimeOffset.UnixEpoch, 0,
        new Dictionary<string, int>(), "none", "tests", null, null, Subject: new SessionSubject("m1", new DateOnly(2026, 1, 2), 3));

    [Fact]
    public void A_created_folder_reads_back_its_header_and_is_never_created_twice()
    {
        using var dir = new TempDirectory();
        var created = SessionFolder.Create(dir.Combine("s"), Header());
        var opened = SessionFolder.Open(dir.Combine("s"));
        Assert.Equal(created.Header.Subject, opened.Header.Subject);
        Assert.Equal("rig-f", opened.Header.RigId);
        Assert.Throws<SessionFolderExistsException>(() => SessionFolder.Create(dir.Combine("s"), Header()));
    }

    [Fact]
    public void Session_json_records_insecure_only_for_a_session_recorded_with_insecure_and_reads_it_back()
    {
        using var dir = new TempDirectory();
        SessionFolder.Create(dir.Combine("open"), Header() with { Insecure = true });
        SessionFolder.Create(dir.Combine("safe"), Header());

        using var open = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Combine("open"), SessionFolder.HeaderFile)));
        Assert.True(open.RootElement.GetProperty("insecure").GetBoolean());
        Assert.True(SessionFolder.Open(dir.Combine("open")).Header.Insecure);
        Assert.DoesNotContain("insecure", File.ReadAllText(Path.Combine(dir.Combine("safe"), SessionFolder.HeaderFile)), StringComparison.Ordinal);
        Assert.False(SessionFolder.Open(dir.Combine("safe")).Header.Insecure);
    }

    [Fact]
    public void Subject_facts_are_written_only_when_given_and_a_session_json_without_them_reads_with_none()
    {
        using var dir = new TempDirectory();
        var facts = new SessionSubject("m1", new DateOnly(2026, 1, 2), 3, Sex: "F", DateOfBirth: new DateOnly(2025, 10, 1), Species: "Mus musculus",
            Experimenter: "A. Zhong", Lab: "Pachitariu");
        SessionFolder.Create(dir.Combine("facts"), Header() with { Subject = facts });
        SessionFolder.Create(dir.Combine("older"), Header());

        Assert.Equal(facts, SessionFolder.Open(dir.Combine("facts")).Header.Subject);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Combine("facts"), SessionFolder.HeaderFile)));
        Assert.Equal("2025-10-01", json.RootElement.GetProperty("subject").GetProperty("date_of_birth").GetString());
        // A header without the facts (as every session.json recorded before them) has no such keys and reads them as null.
        string older = File.ReadAllText(Path.Combine(dir.Combine("older"), SessionFolder.HeaderFile));
        foreach (string key in new[] { "sex", "date_of_birth", "age", "species", "experimenter", "lab" })
        {
            Assert.DoesNotContain($"\"{key}\"", older, StringComparison.Ordinal);
        }

        var subject = SessionFolder.Open(dir.Combine("older")).Header.Subject!;
        Assert.Equal(("m1", 3), (subject.Mouse, subject.Block));
        Assert.Null(subject.Sex);
        Assert.Null(subject.DateOfBirth);
        Assert.Null(subject.Experimenter);
    }

    [Fact]
    public void A_second_lock_on_a_folder_in_use_is_refused_naming_the_holder_and_the_lock_is_free_again_once_released()
    {
        using var dir = new TempDirectory();
        var folder = SessionFolder.Create(dir.Combine("s"), Header());
        using (folder.Lock("the first recorder"))
        {
            var refused = Assert.Throws<SessionFolderInUseException>(() => folder.Lock("the second recorder"));
            Assert.Contains("the first recorder, process " + Environment.ProcessId, refused.Message, StringComparison.Ordinal);
            Assert.Equal(folder.Path, refused.Path);
        }

        using (folder.Lock("the third recorder"))
        {
            Assert.True(File.Exists(Path.Combine(folder.Path, SessionFolder.LockFile)));
        }

        Assert.False(File.Exists(Path.Combine(folder.Path, SessionFolder.LockFile)));
        Assert.False(File.Exists(Path.Combine(folder.Path, SessionLock.HolderFile)));
    }

    [Fact]
    public void Segments_are_listed_in_recording_order_and_the_replay_reads_every_one()
    {
        using var dir = new TempDirectory();
        var folder = SessionFolder.Create(dir.Combine("s"), Header());
        for (int n = 1; n <= 3; n++)
        {
            using var journal = JournalWriter.Create(folder.SegmentPath(n), TimeProvider.System);
            journal.Append(JournalRecordType.Marker, Rig.Protocol.TopicKind.Unknown, n * 1000, "{\"marker\":\"m\"}"u8);
            journal.Append(JournalRecordType.Marker, Rig.Protocol.TopicKind.Unknown, (n * 1000) + 1, "{\"marker\":\"m\"}"u8);
        }

        Assert.Equal(["journal.rigj", "journal.2.rigj", "journal.3.rigj"], folder.JournalSegments.Select(Path.GetFileName));
        var replay = folder.Replay().Result;
        Assert.Equal(6, replay.JournalRecords);
        Assert.Equal(3, replay.JournalSegments);
        Assert.Equal(3001, replay.LastHostNanos);
        Assert.Equal(["journal.rigj", "journal.2.rigj", "journal.3.rigj"], replay.Segments.Select(s => s.Segment));
    }

    [Fact]
    public void A_folder_without_a_header_is_not_a_session_folder_and_a_bad_header_names_the_field()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("empty"));
        var missing = Assert.Throws<NotASessionFolderException>(() => SessionFolder.Open(dir.Combine("empty")));
        Assert.Contains("session.json is missing", missing.Message, StringComparison.Ordinal);
        Assert.Throws<NotASessionFolderException>(() => SessionFolder.Open(dir.Combine("nowhere")));

        Directory.CreateDirectory(dir.Combine("bad"));
        File.WriteAllText(dir.Combine("bad", "session.json"), "{\"rig_id\": 5}");
        var bad = Assert.Throws<JournalFormatException>(() => SessionFolder.Open(dir.Combine("bad")));
        Assert.Contains("rig_id", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_is_written_once_and_closes_the_session()
    {
        using var dir = new TempDirectory();
        var folder = SessionFolder.Create(dir.Combine("s"), Header());
        Assert.False(folder.IsClosed);
        Assert.Null(folder.ReadSummary());
        var summary = new SessionSummaryFile(new Rig.Recording.Decoding.SessionDecoder("rig-f").Summarize(), 3, 100, true);
        folder.WriteSummary(summary);
        Assert.True(folder.IsClosed);
        Assert.Equal(3, folder.ReadSummary()!.JournalRecords);
        Assert.Throws<IOException>(() => folder.WriteSummary(summary));
        Assert.DoesNotContain("\"sections\"", File.ReadAllText(folder.SummaryPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_summary_sections_are_written_under_sections_by_name_and_read_back()
    {
        using var dir = new TempDirectory();
        var folder = SessionFolder.Create(dir.Combine("s"), Header());
        var section = System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, object?> { ["published"] = 12L, ["failed"] = 3L, ["first_failure"] = null });
        folder.WriteSummary(new SessionSummaryFile(new Rig.Recording.Decoding.SessionDecoder("rig-f").Summarize(), 3, 100, true,
            Sections: new Dictionary<string, System.Text.Json.JsonElement> { ["vr_sink"] = section }));

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(folder.SummaryPath));
        Assert.Equal(3, json.RootElement.GetProperty("sections").GetProperty("vr_sink").GetProperty("failed").GetInt64());
        Assert.Equal(12, folder.ReadSummary()!.Sections!["vr_sink"].GetProperty("published").GetInt64());
    }
}
