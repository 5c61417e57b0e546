using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Rig.Analysis.Derivation;
using Rig.Recording.Journal;
using Rig.Recording.Sessions;
using Rig.Experiment.Tasks;
using Rig.Integration.Tests;
using Rig.TestSupport;
using Xunit;

namespace Rig.Reliability.Tests;

/// <summary>
/// Issue 8 item 2: `rig run` killed with SIGKILL mid-session and started again with --resume: the journal is readable up
/// to its last write (under a second before the kill), the session continues into the same folder as a new journal segment,
/// and the device resends what was never acknowledged, so every event arrives exactly once. Nothing written is changed.
/// </summary>
public sealed class HostCrashTests
{
    [Fact]
    public async Task A_bridge_killed_with_SIGKILL_resumes_into_the_same_folder_and_every_event_arrives_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        string url = mosquitto.Address.ToString();
        await using var sim = await Sessions.StartSimAsync(url, "crash-rig", ["--speed", "1", "--minutes", "0.75", "--json"], ct);

        var first = await Sessions.StartBridgeAsync(url, "crash-rig", folder, resume: false, ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 30_000, "the bridge to record before it is killed", ct);
        System.Diagnostics.Process.GetProcessById(first.Id).Kill();
        long killedAtNanos = JournalWriter.HostNanos(TimeProvider.System);
        await first.WaitAsync(Sessions.ProcessTimeout, ct);
        await first.DisposeAsync();

        // What the killed bridge left: a readable journal whose last record is less than a second older than the kill
        // (records reach the OS every 200 ms); a torn last record, if any, is reported, not fatal.
        string journalPath = Path.Combine(folder, SessionFolder.JournalFile);
        var killed = JournalReader.Read(journalPath);
        Assert.Null(killed.CorruptionOffset);
        Assert.True(killed.RecordCount > 10);
        double lostSeconds = (killedAtNanos - killed.Records[^1].HostNanos) / 1e9;
        Assert.True(lostSeconds < 1.0, $"the journal ends {lostSeconds:0.000} s before the kill");
        Assert.False(File.Exists(Path.Combine(folder, SessionFolder.SummaryFile)));
        byte[] headerBefore = SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, SessionFolder.HeaderFile)));
        byte[] journalBefore = SHA256.HashData(File.ReadAllBytes(journalPath));

        await using var second = await Sessions.StartBridgeAsync(url, "crash-rig", folder, resume: true, ct);
        double downSeconds = (JournalWriter.HostNanos(TimeProvider.System) - killedAtNanos) / 1e9;
        var device = await Sessions.FinishSimAsync(sim, ct);
        var (code, summary) = await Sessions.StopBridgeAsync(second, ct);
        string context = $"{second.Stderr}\n{summary}\n{device}";
        Assert.True(code == 0, context);
        LongRuns.Report(System.FormattableString.Invariant(
            $"journal ended {lostSeconds * 1000:0} ms before the SIGKILL ({killed.TornTailBytes} torn bytes); resumed bridge recording {downSeconds:0.0} s after the kill; {summary.GetProperty("recorded").GetProperty("resent_batches").GetInt64()} batches resent"));

        // Nothing the first run wrote was touched; the second run wrote journal.2.rigj beside it.
        Assert.Equal(headerBefore, SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, SessionFolder.HeaderFile))));
        Assert.Equal(journalBefore, SHA256.HashData(File.ReadAllBytes(journalPath)));
        Assert.Equal([SessionFolder.JournalFile, "journal.2.rigj"], SessionFolder.Open(folder).JournalSegments.Select(Path.GetFileName));
        Assert.Contains("session_resume", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(folder, "journal.2.rigj"))), StringComparison.Ordinal);

        // The whole session, both segments re-decoded from disk: every event number exactly once.
        var decoded = await Sessions.DecodeAsync(folder, ct);
        Assert.Equal(2, decoded.GetProperty("journal").GetProperty("segments").GetInt32());
        Sessions.AssertEveryEventExactlyOnce(decoded.GetProperty("decoded"), context);
        Sessions.AssertHoldsTheRun(decoded.GetProperty("decoded"), device, context);
    }

    [Fact]
    public async Task Resuming_a_session_that_was_closed_is_refused_with_exit_24_and_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        string url = mosquitto.Address.ToString();
        await using var sim = await Sessions.StartSimAsync(url, "closed-rig", ["--speed", "5"], ct);
        var run = await RigProcess.RunAsync(["run", "--rig", "closed-rig", "--broker", url, "--out", folder, "--minutes", "0.05"],
            Sessions.ProcessTimeout, cancellationToken: ct);
        Assert.True(run.ExitCode == 0, run.Stderr);
        // A plain session (no protocol) is derived too when it closes.
        Assert.True(File.Exists(Path.Combine(folder, SessionFolder.DerivedFolderName, "aligned_events.csv")), run.Stdout);
        Assert.True(File.Exists(Path.Combine(folder, SessionFolder.DerivedFolderName, "frames.csv")), run.Stdout);
        string[] before = [.. Directory.GetFiles(folder).Order().Select(f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))];

        var resumed = await RigProcess.RunAsync(["run", "--rig", "closed-rig", "--broker", url, "--resume", folder],
            Sessions.ProcessTimeout, cancellationToken: ct);
        Assert.Equal(24, resumed.ExitCode);
        Assert.Contains("summary.json exists", resumed.Stderr, StringComparison.Ordinal);
        string[] after = [.. Directory.GetFiles(folder).Order().Select(f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))];
        Assert.Equal(before, after);

        var other = await RigProcess.RunAsync(["run", "--rig", "another-rig", "--broker", url, "--resume", dir.Combine("nothing-here")],
            Sessions.ProcessTimeout, cancellationToken: ct);
        Assert.Equal(24, other.ExitCode);
        Assert.Contains("not a session folder", other.Stderr, StringComparison.Ordinal);
        await sim.InterruptAsync();
    }

    [Fact]
    public async Task A_protocol_session_killed_and_resumed_derives_its_task_tables_from_every_segment_and_a_second_recorder_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        string url = mosquitto.Address.ToString();
        // Uncalibrated: this test is about the crash and the resume, not the dose (a rewarding protocol needs one or the other).
        string[] task = ["--protocol", "supervised-leaf1-circle1", "--mouse", "m1", "--uncalibrated"];
        await using var sim = await Sessions.StartSimAsync(url, "task-crash", ["--speed", "1", "--minutes", "0.75", "--json"], ct);

        var first = await Sessions.StartBridgeAsync(url, "task-crash", folder, resume: false, ct, task);
        await Sessions.WaitForJournalGrowthAsync(folder, 30_000, "the bridge to record before it is killed", ct);

        // A second recorder on the folder in use is refused, naming the holder, and writes nothing.
        var second = await RigProcess.RunAsync(["run", "--rig", "task-crash", "--broker", url, "--resume", folder, .. task],
            Sessions.ProcessTimeout, cancellationToken: ct);
        Assert.True(second.ExitCode == 25, $"exit {second.ExitCode}\n{second.Stderr}");
        Assert.Contains("is being recorded by the recorder of rig task-crash, process " + first.Id, second.Stderr, StringComparison.Ordinal);
        Assert.Equal([SessionFolder.JournalFile], SessionFolder.Open(folder).JournalSegments.Select(Path.GetFileName));

        System.Diagnostics.Process.GetProcessById(first.Id).Kill();
        await first.WaitAsync(Sessions.ProcessTimeout, ct);
        await first.DisposeAsync();
        await using var resumed = await Sessions.StartBridgeAsync(url, "task-crash", folder, resume: true, ct, task);
        var device = await Sessions.FinishSimAsync(sim, ct);
        var (code, summary) = await Sessions.StopBridgeAsync(resumed, ct);
        Assert.True(code == 0, $"{resumed.Stderr}\n{summary}\n{device}");

        // The uninterrupted run of the same recorded data: every record of both segments in one journal.
        string merged = dir.Combine("merged");
        Directory.CreateDirectory(merged);
        File.Copy(Path.Combine(folder, SessionFolder.HeaderFile), Path.Combine(merged, SessionFolder.HeaderFile));
        using (var writer = JournalWriter.Create(Path.Combine(merged, SessionFolder.JournalFile), TimeProvider.System))
        {
            foreach (string segment in SessionFolder.Open(folder).JournalSegments)
            {
                foreach (var record in JournalReader.Read(segment).Records)
                {
                    writer.Append(record.Type, record.Topic, record.HostNanos, record.Payload.Span);
                }
            }
        }

        var whole = SessionDerivation.Compute(SessionFolder.Open(merged)).Task!;
        var written = TaskSessionTables.Read(SessionFolder.Open(folder).DerivedPath);
        Assert.NotEmpty(written.Trials);
        Assert.Equal(DeviceFields(whole), DeviceFields(written));
        Assert.Equal(whole.Licks.Select(l => (l.DeviceMicros, l.Trial)), written.Licks.Select(l => (l.DeviceMicros, l.Trial)));
        Assert.Equal(whole.Frames.Select(f => (f.Frame, f.DeviceMicros, f.Trial)), written.Frames.Select(f => (f.Frame, f.DeviceMicros, f.Trial)));

        // The tables hold what was recorded after the crash, which only journal.2.rigj has: the first segment alone (all the
        // derivation used to read) ends before the last trial starts.
        string firstOnly = dir.Combine("first-only");
        Directory.CreateDirectory(firstOnly);
        File.Copy(Path.Combine(folder, SessionFolder.HeaderFile), Path.Combine(firstOnly, SessionFolder.HeaderFile));
        File.Copy(Path.Combine(folder, SessionFolder.JournalFile), Path.Combine(firstOnly, SessionFolder.JournalFile));
        var beforeCrash = SessionDerivation.Compute(SessionFolder.Open(firstOnly)).Alignment.Events;
        Assert.True(written.Trials.Max(t => t.StartDeviceMicros) > beforeCrash.Max(e => e.DeviceMicros));
    }

    private static string[] DeviceFields(TaskSessionTables tables) => [.. tables.Trials.Select(t => string.Join(',', t.Trial, t.Wall, t.Rewarded,
        t.StartDeviceMicros, t.GrayDeviceMicros, t.EndDeviceMicros, t.CueDeviceMicros, t.RewardDeviceMicros, t.Licks))];
}
