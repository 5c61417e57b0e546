using System;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.Protocol;
using Rig.Recording.Bridge;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Bridge;

/// <summary>The recorder journals renderer and Gimbl frame messages raw, counts them live, and goes on through malformed ones.</summary>
public sealed class VrFrameRecordingTests
{
    private const string RigId = "rig-vr";
    private const uint Boot = 0xABCD_0001;

    [Fact]
    public async Task Frame_messages_are_journaled_raw_and_counted_live_and_a_malformed_one_does_not_stop_recording()
    {
        var ct = TestContext.Current.CancellationToken;
        var links = new InMemoryBroker().CreateLinkFactory();
        await using var device = links.Create(new LinkOptions { ClientId = "device" });
        await device.ConnectAsync(ct);
        await device.PublishAsync(new RigTopics(RigId).Status, Status(), retain: true, ct);

        // The device answers every command (the bridge opens a session only once its status request is answered, and the
        // answer confirms the boot's identity).
        await device.SubscribeAsync(new RigTopics(RigId).Command, ct);
        _ = AnswerCommandsAsync(device, ct);
        await using var renderer = links.Create(new LinkOptions { ClientId = "renderer" });
        await renderer.ConnectAsync(ct);
        await using var bridge = links.Create(new LinkOptions { ClientId = "bridge" });
        await bridge.ConnectAsync(ct);

        using var dir = new TempDirectory();
        var options = new BridgeOptions { CommandTimeout = TimeSpan.FromMilliseconds(200), DrainTimeout = TimeSpan.FromMilliseconds(200) };
        var recorder = await SessionRecorder.StartAsync(new RecorderSettings(bridge, RigId, dir.Combine("s")) { Options = options }, ct);
        string[] sent =
        [
            """{"frame":0,"render_ns":1000,"t_us":null,"pos_dm":null,"wall":"","trial":-1,"patch":1}""",
            """{"frame":1,"render_ns":"late"}""",
            """{"frame":1,"render_ns":17000000,"t_us":5000,"pos_dm":0.5,"wall":"leaf1","trial":0,"patch":0}""",
            """{"frame":3,"render_ns":50000000,"t_us":38000,"pos_dm":1.5,"wall":"leaf1","trial":0,"patch":0}""",
        ];
        foreach (string json in sent)
        {
            await renderer.PublishAsync("vr/v1/" + RigId + "/frame", Encoding.UTF8.GetBytes(json), retain: false, ct);
        }

        await renderer.PublishAsync("Gimbl/Frame", "{}"u8.ToArray(), retain: false, ct);
        await Eventually.WaitUntil(() => recorder.Snapshot().Vr is { FramesReceived: 3, GimblFrames: 1 }, TimeSpan.FromSeconds(10), "the frame messages recorded", ct);
        var live = recorder.Snapshot().Vr!;
        Assert.Equal(1, live.MalformedFrames["render_ns"]);
        Assert.Equal(1, live.FrameIdGaps);
        Assert.Equal(3, live.Pending + live.Unverified);

        var result = await recorder.StopAsync(ct);
        await recorder.DisposeAsync();

        // Raw bytes first: every frame message, the malformed one too, is in the journal as received, byte for byte.
        using (var reader = JournalReader.Open(SessionFolder.Open(result.Folder).SegmentPath(1)))
        {
            var frames = new System.Collections.Generic.List<string>();
            var gimbl = 0;
            while (reader.TryRead(out var record))
            {
                if (record.Type == JournalRecordType.Received && record.Topic == TopicKind.VrFrame)
                {
                    frames.Add(Encoding.UTF8.GetString(record.Payload.Span));
                }

                gimbl += record.Topic == TopicKind.GimblFrame ? 1 : 0;
            }

            Assert.Equal(sent, frames);
            Assert.Equal(1, gimbl);
        }

        // Closed: every frame decided (no photodiode here, so unverified), and the journal alone gives the same counts.
        Assert.Equal(0, result.Counts.Vr!.Pending);
        Assert.Equal(3, result.Counts.Vr.Unverified);
        var replayed = SessionFolder.Open(result.Folder).Replay().Result.Counts;
        Assert.Equal(JsonSerializer.Serialize(result.Counts), JsonSerializer.Serialize(replayed));
    }

    private static async Task AnswerCommandsAsync(IRigLink device, System.Threading.CancellationToken ct)
    {
        try
        {
            await foreach (var message in device.Messages.ReadAllAsync(ct))
            {
                byte[] bytes = message.Payload.ToArray();
                var command = Command.Read(new ByteReader(bytes, 0, bytes.Length));
                if ((command.Flags & CommandFlags.NoAck) != 0 || command.Opcode == CommandOpcode.SyncRequest)
                {
                    continue;
                }

                var ack = new byte[Ack.Size];
                new Ack { Result = AckResult.Ok, Opcode = command.Opcode, CommandId = command.CommandId, BootId = Boot }.Write(new ByteWriter(ack, 0, ack.Length));
                await device.PublishAsync(new RigTopics(RigId).Ack, ack, retain: false, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The test ended.
        }
    }

    private static byte[] Status()
    {
        var buffer = new byte[256];
        var w = new ByteWriter(buffer, 0, buffer.Length);
        new DeviceStatus { State = DeviceState.Online, BootId = Boot }.Write(w);
        return buffer[..w.Position];
    }
}
