using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rig.Protocol;
using Rig.Recording.Link;
using Rig.TestSupport;
using Xunit;

namespace Rig.Reliability.Tests;

/// <summary>
/// Issue 19, "Numbers": a good virtual rig (`rig sim`) records through a real Mosquitto into a real bridge (`rig run`) while a
/// second client on the same broker sends hostile messages on the rig's own topics: random bytes, mutations of the rig's
/// real messages (another version, cut short), replays of its real batches, forged identities (real batches under another
/// boot id, acknowledgements of commands never sent, statuses claiming impossible batch counts), oversized messages (some
/// over 1 MiB), in floods. Nothing good may be lost, the recorder must not stop, every hostile message must be counted by its reason, and
/// `rig decode` must say what the live summary said. CI sends 3,000; RIG_LONG_RUNS=1 sends 100,000 (docs/reliability.md).
/// </summary>
public sealed class HostileRunTests
{
    private const string Rig = "hostile-rig";

    [Fact]
    public Task A_good_rig_records_every_event_while_3000_hostile_messages_arrive_and_each_is_counted_by_reason() =>
        RunAsync(3_000, TimeSpan.FromSeconds(40));

    [Fact]
    [Trait("Category", "LongRun")]
    public Task A_good_rig_records_every_event_while_100000_hostile_messages_arrive_and_each_is_counted_by_reason()
    {
        LongRuns.SkipUnlessEnabled();
        return RunAsync(100_000, TimeSpan.FromMinutes(4));
    }

    private static async Task RunAsync(int hostileMessages, TimeSpan length)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mosquitto = await MosquittoBroker.StartAsync(ct);
        using var dir = new TempDirectory();
        string folder = dir.Combine("s");
        string url = mosquitto.Address.ToString();
        string minutes = length.TotalMinutes.ToString("0.#####", CultureInfo.InvariantCulture);
        await using var sim = await Sessions.StartSimAsync(url, Rig, ["--speed", "1", "--seed", "5", "--minutes", minutes, "--json"], ct);
        await using var run = await Sessions.StartBridgeAsync(url, Rig, folder, resume: false, ct);

        // The hostile client learns the rig's real messages by listening, as anyone on an open broker can.
        await using var hostile = new MqttLinkFactory(mosquitto.Address).Create(new LinkOptions { ClientId = "hostile" });
        await hostile.ConnectAsync(ct);
        var topics = new RigTopics(Rig);
        var sender = new HostileSender(hostile, topics, seed: 19);
        foreach (string topic in new[] { topics.Events, topics.Status, topics.Ack, topics.Sync })
        {
            await hostile.SubscribeAsync(topic, ct);
        }

        var listening = sender.ListenAsync(ct);
        await Sessions.WaitForJournalGrowthAsync(folder, 20_000, "the rig's first events to be recorded", ct);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await sender.SendAsync(hostileMessages, ct);
        double sendSeconds = started.Elapsed.TotalSeconds;

        var device = await Sessions.FinishSimAsync(sim, ct);
        var (code, summary) = await Sessions.StopBridgeAsync(run, ct);
        string context = $"{run.Stderr}\n{summary}\n{device}\nsent: {sender.Describe()}";
        Assert.False(listening.IsFaulted, listening.Exception?.ToString());

        // Nothing good lost, the recorder never stopped.
        Assert.True(code == 0, $"rig run exit {code}\n{context}");
        var recorded = summary.GetProperty("recorded");
        Sessions.AssertEveryEventExactlyOnce(recorded, context);
        Sessions.AssertHoldsTheRun(recorded, device, context);
        var boots = recorded.GetProperty("boots").EnumerateArray().ToList();
        Assert.True(boots.Count == 1, $"the hostile messages made {boots.Count} boots\n{context}");
        Assert.Equal(device.GetProperty("boot_id").GetUInt32(), boots[0].GetProperty("boot_id").GetUInt32());

        // Every hostile message counted by its reason: each malformed one under malformed_messages, each replay as a
        // duplicate batch (the device's own resends, after a late acknowledgement, are duplicates too: at most its count).
        long malformed = recorded.GetProperty("malformed_messages").EnumerateObject().Sum(p => p.Value.GetInt64());
        long suspicious = recorded.GetProperty("suspicious_messages").EnumerateObject().Sum(p => p.Value.GetInt64());
        Assert.True(suspicious == sender.Forged, $"suspicious {suspicious}, forged identities sent {sender.Forged}\n{context}");
        long duplicates = recorded.GetProperty("duplicate_batches").GetInt64();
        long resent = device.GetProperty("batches_resent").GetInt64();
        Assert.True(malformed == sender.ExpectedMalformed, $"malformed {malformed}, sent {sender.ExpectedMalformed} that must be\n{context}");
        Assert.True(duplicates >= sender.Replays && duplicates <= sender.Replays + resent,
            $"duplicates {duplicates}: {sender.Replays} replays sent, {resent} device resends\n{context}");
        Assert.True(recorded.GetProperty("malformed_messages").GetProperty("MessageTooLarge").GetInt64() == sender.Oversized, context);

        // The journal alone says the same.
        var decoded = (await Sessions.DecodeAsync(folder, ct)).GetProperty("decoded");
        foreach (string field in new[] { "events_total", "duplicate_batches", "missing_batches", "malformed_messages", "suspicious_messages", "boots" })
        {
            Assert.True(JsonElement.DeepEquals(recorded.GetProperty(field), decoded.GetProperty(field)),
                $"{field}: live {recorded.GetProperty(field)}, decoded {decoded.GetProperty(field)}");
        }

        LongRuns.Report(string.Create(CultureInfo.InvariantCulture,
            $"hostile run: {sender.Sent:N0} hostile messages in {sendSeconds:0.0} s ({sender.Describe()}); good events {recorded.GetProperty("events_total").GetInt64():N0}, all recorded once; malformed counted {malformed:N0}, suspicious counted {suspicious:N0}, duplicates {duplicates:N0} ({resent} device resends); rig run exit {code}"));
    }

    /// <summary>Makes and sends the hostile messages, keeping what each class must be counted as.</summary>
    private sealed class HostileSender(IRigLink link, RigTopics topics, int seed)
    {
        /// <summary>Publishes in flight at once: a flood, bounded so the test's own memory stays small.</summary>
        private const int InFlight = 64;

        private readonly Random _random = new(seed);
        private readonly ConcurrentDictionary<string, byte[]> _real = new(StringComparer.Ordinal);
        private readonly ConcurrentBag<byte[]> _realBatches = [];
        private byte[][] _batches = [];
        private readonly Dictionary<string, long> _byClass = new(StringComparer.Ordinal);
        private readonly string[] _hostileTopics = [topics.Events, topics.Status, topics.Ack, topics.Sync];
        private bool _sending;

        public long Sent { get; private set; }

        public long ExpectedMalformed { get; private set; }

        public long Replays { get; private set; }

        public long Oversized { get; private set; }

        public long Forged { get; private set; }

        public string Describe() => string.Join(", ", _byClass.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

        /// <summary>
        /// Keeps the latest real message of each topic and the rig's first batches, until the sending starts: from then on
        /// this client's own messages echo back on the same topics and are not learnt from.
        /// </summary>
        public async Task ListenAsync(CancellationToken ct)
        {
            await foreach (var message in link.Messages.ReadAllAsync(ct))
            {
                if (Volatile.Read(ref _sending))
                {
                    continue;
                }

                byte[] payload = message.Payload.ToArray();
                _real[message.Topic] = payload;
                if (message.Topic == topics.Events && _realBatches.Count < 256)
                {
                    _realBatches.Add(payload);
                }
            }
        }

        public async Task SendAsync(int count, CancellationToken ct)
        {
            Volatile.Write(ref _sending, true);
            _batches = [.. _realBatches];
            var inFlight = new List<Task>(InFlight);
            for (int i = 0; i < count; i++)
            {
                var (topic, payload) = Next(i);
                inFlight.Add(link.PublishAsync(topic, payload, retain: false, ct));
                Sent++;
                if (inFlight.Count == InFlight)
                {
                    await Task.WhenAll(inFlight);
                    inFlight.Clear();
                }
            }

            await Task.WhenAll(inFlight);
        }

        private (string Topic, byte[] Payload) Next(int i)
        {
            string topic = _hostileTopics[_random.Next(_hostileTopics.Length)];
            int kind = i % 500 == 499 ? 4 : _random.Next(5) switch { 4 => 5, int k => k };
            if (kind == 5 && Forge(topic) is { } forged)
            {
                Forged++;
                return forged;
            }

            if (kind == 4)
            {
                // Oversized: every 500th; one in ten of those over 1 MiB (journaled as a marker and a bounded prefix).
                int size = (i / 500) % 10 == 9 ? 1_100_000 : WireLimits.MaxMessageBytes + 1 + _random.Next(4096);
                var big = new byte[size];
                _random.NextBytes(big);
                Oversized++;
                ExpectedMalformed++;
                return Count("oversized", topics.Events, big);
            }

            if (kind == 3 && _batches.Length > 0)
            {
                Replays++;
                return Count("replayed batch", topics.Events, _batches[_random.Next(_batches.Length)]);
            }

            if (kind is 1 or 2 && _real.TryGetValue(topic, out var real) && real.Length > 2)
            {
                var mutated = (byte[])real.Clone();
                ExpectedMalformed++;
                if (kind == 1)
                {
                    mutated[1] = (byte)(2 + _random.Next(254)); // a format version this build does not read
                    return Count("other version", topic, mutated);
                }

                return Count("cut short", topic, mutated[.._random.Next(0, real.Length - 1)]);
            }

            // Random bytes, on any of the rig's topics. The first byte is never the topic's own message type with
            // version 1 (one in 65,536 random messages), so no random message is a well-formed one by chance.
            var bytes = new byte[_random.Next(0, 300)];
            _random.NextBytes(bytes);
            if (bytes.Length > 1 && bytes[1] == 1)
            {
                bytes[1] = 0;
            }

            ExpectedMalformed++;
            return Count("random", topic, bytes);
        }

        /// <summary>
        /// A well-formed message that lies about who sent it or what happened: a real batch under a boot id the session never
        /// confirmed, an acknowledgement of a command id the bridge never sent (its ids start below 2^20 and count up), a
        /// real status claiming far more batches than time allows. Null when no real message of the kind was heard yet.
        /// </summary>
        private (string, byte[])? Forge(string topic)
        {
            if (topic == topics.Ack || topic == topics.Sync)
            {
                uint boot = _real.TryGetValue(topics.Status, out var status) ? ReadStatus(status).BootId : 1;
                var ack = new byte[Ack.Size];
                new Ack { Result = AckResult.Ok, Opcode = CommandOpcode.Ping, CommandId = 0x4000_0000u + (uint)_random.Next(1 << 20), BootId = boot }
                    .Write(new ByteWriter(ack, 0, ack.Length));
                return Count("ack for an unsent command", topics.Ack, ack);
            }

            if (topic == topics.Status && _real.TryGetValue(topics.Status, out var real))
            {
                var forged = ReadStatus(real);
                forged.BatchesSent += 1_000_000;
                var bytes = new byte[DeviceStatus.Size];
                forged.Write(new ByteWriter(bytes, 0, bytes.Length));
                return Count("impossible batch count", topics.Status, bytes);
            }

            if (_batches.Length > 0)
            {
                var batch = (byte[])_batches[_random.Next(_batches.Length)].Clone();
                var header = EventBatchHeader.Read(new ByteReader(batch, 0, batch.Length));
                header.BootId = 0xF0_0000u + (uint)_random.Next(1 << 16);
                header.Write(new ByteWriter(batch, 0, batch.Length));
                return Count("batch of a foreign boot", topics.Events, batch);
            }

            return null;
        }

        private static DeviceStatus ReadStatus(byte[] bytes) => DeviceStatus.Read(new ByteReader(bytes, 0, bytes.Length));

        private (string, byte[]) Count(string kind, string topic, byte[] payload)
        {
            _byClass[kind] = _byClass.GetValueOrDefault(kind) + 1;
            return (topic, payload);
        }
    }
}
