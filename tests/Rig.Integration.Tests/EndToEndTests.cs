using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Recording.Broker;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Recording.Sessions;
using Rig.Protocol;
using Rig.TestSupport;
using Rig.VirtualRig;
using Xunit;

namespace Rig.Integration.Tests;

/// <summary>A virtual rig's session through each kind of broker arrives complete: every event number exactly once.</summary>
public sealed class EndToEndTests
{
    // Two virtual minutes, a second or so of wall time at speed 0: the bridge's clock exchanges run on the wall clock, and in
    // 30 virtual seconds (0.2 s) there were only one or two, which the racing device time made implausible in 1 run of 3.
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_virtual_rig_session_through_a_real_mosquitto_arrives_complete()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync(TestContext.Current.CancellationToken);
        var links = new MqttLinkFactory(mosquitto.Address);
        var result = await Record(links, links, "mosquitto");
        AssertComplete(result);
    }

    [Fact]
    public async Task A_virtual_rig_session_through_the_embedded_broker_arrives_complete()
    {
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        var links = new MqttLinkFactory(broker.Address);
        var result = await Record(links, links, "embedded");
        AssertComplete(result);
        Assert.Equal(0, broker.DroppedMessages);
    }

    [Fact]
    public async Task A_virtual_rig_session_through_the_in_memory_fake_arrives_complete()
    {
        var links = new InMemoryBroker().CreateLinkFactory();
        var result = await Record(links, links, "in-memory");
        AssertComplete(result);
    }

    [Fact]
    public async Task Batches_lost_on_the_way_are_asked_for_again_and_the_session_still_ends_complete()
    {
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        var links = new MqttLinkFactory(broker.Address);

        // The first batch and every 25th message the device publishes on its events topic vanish.
        var lossy = new DroppingLinkFactory(links, (topic, index) => topic.EndsWith("/events", StringComparison.Ordinal) && (index % 25 == 0 || index == 2));
        var result = await Record(lossy, links, "lossy");
        Assert.True(lossy.Dropped > 10, $"only {lossy.Dropped} messages were dropped");
        AssertComplete(result);
        Assert.True(result.Session.Counts.ResendRequests > 0, "the bridge never asked for a resend");
        // A resent batch can itself be dropped and asked for again, so resends arrive for at least half the drops.
        Assert.True(result.Session.Counts.ResentBatches >= lossy.Dropped / 2, $"{result.Session.Counts.ResentBatches} resent for {lossy.Dropped} dropped");
    }

    [Fact]
    public async Task Garbage_on_the_rig_topics_is_journaled_and_counted_and_the_session_still_arrives_complete()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
        var links = new MqttLinkFactory(broker.Address);
        var topics = new RigTopics("rig-hostile");
        await using (var attacker = links.Create(new LinkOptions { ClientId = "attacker" }))
        {
            await attacker.ConnectAsync(ct);

            // Retained, so the bridge and the device meet them the moment they subscribe.
            await attacker.PublishAsync(topics.Events, new byte[] { 0x01, 0x01, 0xFF }, retain: true, ct);
            await attacker.PublishAsync(topics.Command, new byte[] { 0x10, 0x01, 0x02, 0x00, 0x09, 0, 0, 0, 0, 0, 0, 0 }, retain: true, ct);
            await attacker.DisconnectAsync(ct);
        }

        var result = await Record(links, links, "hostile");
        var counts = result.Session.Counts;
        Assert.True(result.Complete, $"missing batches {counts.MissingBatches}");
        Assert.True(result.RedecodeMatches);
        Assert.Equal(1, counts.MalformedMessages.Values.Sum());
        Assert.Contains("Truncated", counts.MalformedMessages.Keys);

        // The device refused the truncated PulseValve (id 9) with BadPayload and opened no valve for it.
        Assert.True(counts.LastStatus!.MalformedCommands >= 1);
        Assert.Equal(4, counts.EventsByKind["valve"]);
    }

    [Fact]
    public async Task A_forged_boot_and_an_ack_for_a_command_never_sent_are_counted_as_suspicious_and_the_session_is_still_complete_with_one_boot()
    {
        // Issue 19 part 2: before the fix the forged batch's boot was taken for a reboot (a second boot in the summary, its
        // events in the totals) and the ack was matched like any other.
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
        var links = new MqttLinkFactory(broker.Address);
        var topics = new RigTopics("rig-forged");
        await using (var attacker = links.Create(new LinkOptions { ClientId = "attacker" }))
        {
            await attacker.ConnectAsync(ct);

            // Retained, so the bridge meets them the moment it subscribes: a well-formed batch of a boot that is not the
            // device's, and an Ok ack for a command id the bridge never sends.
            var batch = new byte[256];
            var writer = new EventBatchWriter();
            writer.Begin(batch, 0, batch.Length, 0xF0F0F0F0, 0, 0, 0, 0, 16);
            Assert.True(writer.TryAppend(EventKind.Lick, 0, 1, 10));
            await attacker.PublishAsync(topics.Events, batch.AsMemory(0, writer.Finish()), retain: true, ct);
            var ack = new byte[Ack.Size];
            new Ack { Result = AckResult.Ok, Opcode = CommandOpcode.PulseValve, CommandId = 0xDEAD, BootId = 0xF0F0F0F0 }.Write(new ByteWriter(ack, 0, ack.Length));
            await attacker.PublishAsync(topics.Ack, ack, retain: true, ct);
            await attacker.DisconnectAsync(ct);
        }

        var result = await Record(links, links, "forged");
        var counts = result.Session.Counts;
        Assert.True(result.Complete, $"missing batches {counts.MissingBatches}");
        Assert.True(result.RedecodeMatches);
        Assert.Single(counts.Boots);
        Assert.Empty(counts.MalformedMessages);
        Assert.Equal(1, counts.SuspiciousMessages.GetValueOrDefault(SessionDecoder.UnconfirmedBootReason));
        Assert.Equal(1, counts.SuspiciousMessages.GetValueOrDefault(SessionDecoder.AckForUnsentCommandReason));
        Assert.Equal(counts.EventsTotal, counts.Boots[0].Events);
    }

    [Fact]
    public async Task A_message_larger_than_a_journal_record_is_counted_with_a_bounded_prefix_and_the_recorder_keeps_recording()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerOptions { Port = 0 }, ct);
        var links = new MqttLinkFactory(broker.Address);
        var topics = new RigTopics("rig-oversized");
        int size = JournalFormat.MaxPayloadLength + 10;
        await using (var attacker = links.Create(new LinkOptions { ClientId = "attacker" }))
        {
            await attacker.ConnectAsync(ct);

            // Retained, so the bridge meets it the moment it subscribes; before the fix it ended the receive loop there.
            await attacker.PublishAsync(topics.Events, new byte[size], retain: true, ct);
            await attacker.DisconnectAsync(ct);
        }

        using var dir = new TempDirectory();
        string folder = dir.Combine("oversized");
        var result = await VirtualSession.RecordAsync(links, links, new VirtualRigOptions { RigId = "rig-oversized", Seed = 3, Speed = 0 },
            new BridgeOptions(), folder, Duration, new SessionStartInfo("embedded", "tests"), TimeProvider.System, NullLogger.Instance, progress: null, ct);

        var counts = result.Session.Counts;
        Assert.True(result.Complete, $"missing batches {counts.MissingBatches}");
        Assert.True(result.RedecodeMatches);
        Assert.Equal(1, counts.MalformedMessages["MessageTooLarge"]);
        Assert.True(counts.EventsByKind["encoder"] > 0);

        // On the record: a marker with the real length, then the first bytes only.
        var records = JournalReader.Read(Path.Combine(folder, "journal.rigj")).Records;
        int at = records.ToList().FindIndex(r => r.Type == JournalRecordType.Marker && Encoding.UTF8.GetString(r.Payload.Span).Contains("message_truncated", StringComparison.Ordinal));
        Assert.True(at >= 0, "no message_truncated marker in the journal");
        Assert.Contains($"\"bytes\":{size}", Encoding.UTF8.GetString(records[at].Payload.Span), StringComparison.Ordinal);
        Assert.Equal(JournalRecordType.Received, records[at + 1].Type);
        Assert.Equal(SessionRecorder.OversizePrefixBytes, records[at + 1].Payload.Length);
    }

    [Fact]
    public async Task An_armed_reward_opens_the_valve_microseconds_after_the_lick_that_triggers_it()
    {
        var links = new InMemoryBroker().CreateLinkFactory();
        using var dir = new TempDirectory();
        string folder = dir.Combine("armed");
        var result = await VirtualSession.RecordAsync(links, links, new VirtualRigOptions { RigId = "rig-armed", Seed = 5, Speed = 0 },
            new BridgeOptions(), folder, Duration, new SessionStartInfo("inmemory", "tests"), TimeProvider.System,
            NullLogger.Instance, progress: null, TestContext.Current.CancellationToken);
        Assert.True(result.Complete);
        var events = new CollectingSink();
        SessionReplay.Decode(folder, events);
        var opens = events.All.Where(e => e.Kind == EventKind.Valve && e.Value > 0).OrderBy(e => e.DeviceMicros).ToList();
        Assert.Equal(2, opens.Count);
        var armedOpen = opens.Single(o => o.DeviceMicros > result.Arm.DeviceMicros);
        var lick = events.All.Where(e => e.Kind == EventKind.Lick && e.Value == 1 && e.DeviceMicros <= armedOpen.DeviceMicros)
            .MaxBy(e => e.DeviceMicros);
        Assert.Equal(5ul, armedOpen.DeviceMicros - lick.DeviceMicros);
        Assert.Equal(40_000, armedOpen.Value);
    }

    private sealed class CollectingSink : IEventSink
    {
        public List<EventRecord> All { get; } = [];

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos) => All.AddRange(records.ToArray());
    }

    [Fact]
    public async Task Two_runs_with_the_same_seed_boot_with_different_boot_ids_and_events_numbered_from_zero()
    {
        var links = new InMemoryBroker().CreateLinkFactory();
        var a = await Record(links, links, "a", seed: 7);
        var b = await Record(links, links, "b", seed: 7);
        Assert.NotEqual(a.Device.BootId, b.Device.BootId);
        Assert.Equal(0ul, a.Session.Counts.Boots.Single().FirstEventSeq);
    }

    [Fact]
    public async Task An_unexpected_failure_while_recording_closes_the_session_with_the_cause_in_summary_json()
    {
        var broker = new InMemoryBroker();
        var failing = new FailingReadLinkFactory(broker.CreateLinkFactory());
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        var run = VirtualSession.RecordAsync(broker.CreateLinkFactory(), failing,
            new VirtualRigOptions { RigId = "failing-rig", Seed = 3, Speed = 1 }, new BridgeOptions(), folder, TimeSpan.FromMinutes(1),
            new SessionStartInfo("inmemory", "tests"), TimeProvider.System, NullLogger.Instance, progress: null, TestContext.Current.CancellationToken);

        // Once events are being journaled, the bridge's reader fails as an unforeseen bug would.
        string journal = Path.Combine(folder, SessionFolder.JournalFile);
        await Eventually.WaitUntil(() => File.Exists(journal) && new FileInfo(journal).Length > 4096, TimeSpan.FromSeconds(60), "the journal to grow",
            TestContext.Current.CancellationToken);
        failing.Fail(new InvalidOperationException("injected reader failure"));

        var e = await Assert.ThrowsAsync<SessionRecordingException>(() => run);
        Assert.Contains("injected reader failure", e.Message, StringComparison.Ordinal);
        Assert.Contains("summary.json names the cause", e.Message, StringComparison.Ordinal);

        // Closed: summary.json names the cause, and the journal reads back complete with the failure marker last.
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, SessionFolder.SummaryFile)));
        Assert.Equal("InvalidOperationException: injected reader failure", summary.RootElement.GetProperty("failure").GetString());
        var read = JournalReader.Read(journal);
        Assert.True(read.IsComplete);
        Assert.Contains("recording_failed", Encoding.UTF8.GetString(read.Records[^1].Payload.Span), StringComparison.Ordinal);
        Assert.True(SessionFolder.Open(folder).IsClosed);
    }

    [Fact]
    public async Task A_stale_retained_online_status_with_no_device_behind_it_starts_no_session()
    {
        // A device that lost power before its will went out leaves its Online status retained on the broker.
        var broker = new InMemoryBroker();
        var links = broker.CreateLinkFactory();
        await using var ghost = links.Create(new LinkOptions { ClientId = "ghost" });
        await ghost.ConnectAsync(TestContext.Current.CancellationToken);
        var buffer = new byte[DeviceStatus.Size];
        var writer = new ByteWriter(buffer, 0, buffer.Length);
        new DeviceStatus { State = DeviceState.Online, BootId = 0x5747A1E, UptimeMicros = 60_000_000 }.Write(writer);
        await ghost.PublishAsync(new RigTopics("ghost-rig").Status, buffer.AsMemory(0, writer.Position), retain: true, TestContext.Current.CancellationToken);

        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        await using var bridge = links.Create(new LinkOptions { ClientId = "bridge" });
        await bridge.ConnectAsync(TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<DeviceNotFoundException>(() => SessionRecorder.StartAsync(
            new RecorderSettings(bridge, "ghost-rig", folder) { Options = new BridgeOptions { DeviceWaitTimeout = TimeSpan.FromSeconds(1) } },
            TestContext.Current.CancellationToken));
        Assert.Equal(0x5747A1Eu, e.StaleBootId);
        Assert.Contains("stale retained", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_session_folder_that_exists_is_refused_and_left_untouched()
    {
        using var dir = new TempDirectory();
        string folder = dir.Combine("session");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "precious");
        var links = new InMemoryBroker().CreateLinkFactory();
        await Assert.ThrowsAsync<SessionFolderExistsException>(() => Record(links, links, "exists", folder: folder));
        Assert.Equal(["keep.txt"], Directory.GetFiles(folder).Select(Path.GetFileName));
        Assert.Equal("precious", File.ReadAllText(Path.Combine(folder, "keep.txt")));
    }

    private static async Task<VirtualSessionResult> Record(ILinkFactory deviceLinks, ILinkFactory bridgeLinks, string name, int seed = 3, string? folder = null)
    {
        using var dir = new TempDirectory();
        folder ??= dir.Combine(name);
        var result = await VirtualSession.RecordAsync(deviceLinks, bridgeLinks,
            new VirtualRigOptions { RigId = "rig-" + name.Replace(' ', '-'), Seed = seed, Speed = 0 },
            new BridgeOptions(), folder, Duration, new SessionStartInfo(bridgeLinks.Description, "tests"),
            TimeProvider.System, NullLogger.Instance, progress: null, TestContext.Current.CancellationToken);

        // The journal is a real file with every message in it; reading it back needs nothing but the folder.
        var journal = JournalReader.Read(Path.Combine(folder, SessionFolder.JournalFile));
        Assert.True(journal.IsComplete);
        Assert.Equal(result.Session.JournalRecords, journal.RecordCount);
        return result;
    }

    private static void AssertComplete(VirtualSessionResult r)
    {
        var counts = r.Session.Counts;
        Assert.True(r.Complete, $"incomplete: missing batches {counts.MissingBatches}, unexplained {counts.UnexplainedMissingEvents}, drained {r.Session.Drained}, acked {r.Device.FullyAcknowledged}");
        Assert.True(r.RedecodeMatches, "re-decoding the journal gave other counts");
        Assert.Equal(AckResult.Ok, r.Ping.Result);
        Assert.Equal(AckResult.Ok, r.Pulse.Result);
        var boot = Assert.Single(counts.Boots);
        Assert.Equal(r.Device.BootId, boot.BootId);
        Assert.Empty(boot.Gaps);

        // Clock exchanges went on throughout and were rebuilt into the boot's clock map from the journal.
        // (In fast mode virtual device time races ahead of host time, so some exchanges are implausible and refused.)
        Assert.True(boot.Clock.Exchanges >= 1, $"{boot.Clock.Exchanges} clock exchanges ({boot.Clock.RejectedExchanges} refused)"); // these sessions last under a second of wall time

        // Every event number from the first to the last recorded is there exactly once.
        Assert.Equal((long)(boot.EndEventSeq!.Value - boot.FirstEventSeq!.Value), boot.Events);
        Assert.Equal(boot.Events, counts.EventsTotal);
        Assert.True(boot.EndEventSeq >= r.Device.EventsCaptured - 64, $"recorded up to {boot.EndEventSeq}, device numbered {r.Device.EventsCaptured}");
        Assert.True(counts.Licks > 0 && counts.EventsByKind["encoder"] > 1000 && counts.EventsByKind["frame"] > 800,
            $"licks {counts.Licks}, encoder {counts.EventsByKind["encoder"]}, frames {counts.EventsByKind["frame"]}");
        Assert.Equal(r.Device.Frames, counts.EventsByKind["frame"]);
        Assert.Equal(AckResult.Ok, r.Arm.Result);

        // The commanded pulse and the armed reward, each an open and a close.
        Assert.Equal(4, counts.EventsByKind["valve"]);
        Assert.Empty(counts.MalformedMessages);
    }
}
