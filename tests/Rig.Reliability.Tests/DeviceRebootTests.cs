using System;
using System.Linq;
using System.Text;
using System.IO;
using System.Threading.Tasks;
using Rig.TestSupport;
using Xunit;

namespace Rig.Reliability.Tests;

/// <summary>
/// Issue 8 item 3: the device reboots mid-session (the `rig sim` process killed as a power cut would, and a new one with
/// another boot id started). The bridge records on into the same session: the new boot is detected, logged and marked in
/// the journal, gets its own clock map, and the summary names both boots and anything the old boot never delivered.
/// </summary>
public sealed class DeviceRebootTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(1)] // the same seed again: a restarted virtual rig once reused its boot id and ~11,000 events were taken as duplicates
    public async Task A_device_rebooting_mid_session_is_recorded_as_a_new_boot_with_its_own_clock_map_and_reported(int secondSeed)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        string url = mosquitto.Address.ToString();
        var before = await Sessions.StartSimAsync(url, "reboot-rig", ["--speed", "1", "--seed", "1"], ct);
        await using var run = await Sessions.StartBridgeAsync(url, "reboot-rig", folder, resume: false, ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 30_000, "the first boot to be recorded", ct);

        // Power cut: no clean disconnect, the broker publishes the device's Offline will.
        System.Diagnostics.Process.GetProcessById(before.Id).Kill();
        await before.WaitAsync(Sessions.ProcessTimeout, ct);
        await before.DisposeAsync();

        await using var after = await Sessions.StartSimAsync(url, "reboot-rig", ["--speed", "1", "--seed", secondSeed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--minutes", "0.3", "--json"], ct);
        var device = await Sessions.FinishSimAsync(after, ct);
        var (code, summary) = await Sessions.StopBridgeAsync(run, ct);
        string context = $"{run.Stderr}\n{summary}\n{device}";
        var recorded = summary.GetProperty("recorded");
        var boots = recorded.GetProperty("boots").EnumerateArray().ToList();
        Assert.True(boots.Count == 2, context);
        uint newBoot = device.GetProperty("boot_id").GetUInt32();
        Assert.Equal(newBoot, boots[1].GetProperty("boot_id").GetUInt32());
        Assert.NotEqual(newBoot, boots[0].GetProperty("boot_id").GetUInt32());

        // Each boot has its own clock map, built from its own exchanges.
        Assert.All(boots, b => Assert.True(b.GetProperty("clock").GetProperty("exchanges").GetInt32() > 0, context));
        Assert.Contains("rebooted", run.Stderr, StringComparison.Ordinal);

        // A real reboot is confirmed by a round trip (issue 19): nothing of the new boot is left set aside as suspicious.
        Assert.False(recorded.GetProperty("suspicious_messages").EnumerateObject().Any(), context);
        Assert.Contains("device_rebooted", Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(folder, "journal.rigj"))), StringComparison.Ordinal);

        // The new boot's stream is whole from event 0, every number exactly once.
        var second = boots[1];
        Assert.Equal(0, second.GetProperty("first_event_seq").GetInt64());
        Assert.True(second.GetProperty("end_event_seq").GetInt64() >= device.GetProperty("events_at_end").GetInt64(), context);
        Assert.Equal(second.GetProperty("end_event_seq").GetInt64(), second.GetProperty("events").GetInt64());
        Assert.Equal(0, second.GetProperty("gaps").GetArrayLength());

        // What the old boot had not delivered when the power went is gone with it: the session says so (exit 7, the
        // missing batches counted) or, when nothing was in flight, it is complete.
        bool oldBootWhole = recorded.GetProperty("missing_batches").GetInt64() == 0
            && recorded.GetProperty("unexplained_missing_events").GetInt64() == 0;
        Assert.True(code == (oldBootWhole ? 0 : 7), context);
        if (!oldBootWhole)
        {
            Assert.Contains("never received", run.Stderr, StringComparison.Ordinal);
        }
    }
}
