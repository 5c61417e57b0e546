using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Bench.Perf;

/// <summary>
/// A minimal MQTT 3.1.1 client over a plain socket (OASIS MQTT 3.1.1, sections 2 and 3: CONNECT, SUBSCRIBE, PUBLISH,
/// PUBACK), for load and baselines only: the bench's devices publish through it (QoS 1, pipelined), and the raw-broker
/// baseline is a subscriber that acknowledges and counts bytes and messages, as mosquitto_sub would without printing.
/// Not a product link: no reconnect, no keep-alive pings (the keep-alive is set off).
/// </summary>
internal sealed class RawMqtt : IAsyncDisposable
{
    private const byte Connect = 0x10;
    private const byte ConnAck = 0x20;
    private const byte Publish = 0x30;
    private const byte PubAck = 0x40;
    private const byte Subscribe = 0x82;
    private const byte SubAck = 0x90;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _out = new byte[256 * 1024];
    private int _outLength;
    private ushort _nextPacketId = 1;
    private Task? _reader;
    private SemaphoreSlim? _window;
    private long _acked;
    private long _messages;
    private long _bytes;
    private long _firstTimestamp;
    private long _lastTimestamp;

    private RawMqtt(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>PUBACKs received for this client's QoS 1 publishes.</summary>
    public long Acked => Interlocked.Read(ref _acked);

    /// <summary>Messages delivered to this client (as a subscriber).</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Payload bytes delivered to this client.</summary>
    public long PayloadBytes => Interlocked.Read(ref _bytes);

    /// <summary>Stopwatch timestamps of the first and latest delivered message.</summary>
    public (long First, long Last) DeliveryWindow => (Interlocked.Read(ref _firstTimestamp), Interlocked.Read(ref _lastTimestamp));

    public static async Task<RawMqtt> ConnectAsync(int port, string clientId, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        var client = new RawMqtt(socket);
        byte[] id = Encoding.UTF8.GetBytes(clientId);
        var body = new byte[10 + 2 + id.Length];
        // Variable header: protocol name "MQTT", level 4, flags clean session, keep-alive 0 (off).
        body[0] = 0;
        body[1] = 4;
        "MQTT"u8.CopyTo(body.AsSpan(2));
        body[6] = 4;
        body[7] = 0x02;
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(10), (ushort)id.Length);
        id.CopyTo(body, 12);
        client.Append(Connect, body, body.Length);
        await client.FlushAsync(cancellationToken);
        var reply = await client.ReadPacketAsync(cancellationToken);
        if (reply.Type != ConnAck || reply.Body.Length < 2 || reply.Body[1] != 0)
        {
            throw new IOException($"raw MQTT client '{clientId}': connect refused ({reply.Type:x2}, code {(reply.Body.Length > 1 ? reply.Body[1] : -1)})");
        }

        return client;
    }

    /// <summary>Subscribes with QoS 1 and starts counting (and acknowledging) every delivered message.</summary>
    public async Task SubscribeAndCountAsync(string filter, CancellationToken cancellationToken)
    {
        byte[] topic = Encoding.UTF8.GetBytes(filter);
        var body = new byte[2 + 2 + topic.Length + 1];
        BinaryPrimitives.WriteUInt16BigEndian(body, 1);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(2), (ushort)topic.Length);
        topic.CopyTo(body, 4);
        body[^1] = 1;
        Append(Subscribe, body, body.Length);
        await FlushAsync(cancellationToken);
        var reply = await ReadPacketAsync(cancellationToken);
        if (reply.Type != SubAck || reply.Body.Length < 3 || reply.Body[2] != 1)
        {
            throw new IOException($"raw MQTT subscriber: QoS 1 not granted for '{filter}'");
        }

        _reader = Blocking.Run(() => ReadLoop(acknowledge: true), CancellationToken.None);
    }

    /// <summary>
    /// Starts reading PUBACKs for this client's publishes (call once, before publishing QoS 1). With a window, at most
    /// that many publishes are unacknowledged: <see cref="WaitForWindow"/> blocks until the broker has caught up.
    /// </summary>
    public void StartPublisher(int window)
    {
        _window = new SemaphoreSlim(window, window);
        _reader = Blocking.Run(() => ReadLoop(acknowledge: false), CancellationToken.None);
    }

    /// <summary>Takes one slot of the publish window (flushing what is queued first if it must wait).</summary>
    public void WaitForWindow()
    {
        if (_window is null)
        {
            return;
        }

        if (!_window.Wait(0))
        {
            FlushSync();
            if (!_window.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("raw MQTT publisher: the broker acknowledged nothing for 30 s");
            }
        }
    }

    /// <summary>
    /// Queues one PUBLISH (QoS 1 unless <paramref name="qos0"/>) in the send buffer; <see cref="FlushAsync"/> or a full buffer
    /// sends it.
    /// </summary>
    public void QueuePublish(byte[] topic, ReadOnlySpan<byte> payload, bool retain = false, bool qos0 = false)
    {
        int length = 2 + topic.Length + (qos0 ? 0 : 2) + payload.Length;
        if (_outLength + 5 + length > _out.Length)
        {
            FlushSync();
        }

        byte flags = (byte)(Publish | (qos0 ? 0 : 0x02) | (retain ? 0x01 : 0));
        _out[_outLength++] = flags;
        _outLength += WriteLength(_out.AsSpan(_outLength), length);
        BinaryPrimitives.WriteUInt16BigEndian(_out.AsSpan(_outLength), (ushort)topic.Length);
        _outLength += 2;
        topic.CopyTo(_out, _outLength);
        _outLength += topic.Length;
        if (!qos0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_out.AsSpan(_outLength), _nextPacketId);
            _nextPacketId = (ushort)(_nextPacketId == ushort.MaxValue ? 1 : _nextPacketId + 1);
            _outLength += 2;
        }

        payload.CopyTo(_out.AsSpan(_outLength));
        _outLength += payload.Length;
    }

    /// <summary>Sends everything queued; returns the stopwatch timestamp just before the bytes went to the socket.</summary>
    public long FlushSync()
    {
        long now = Stopwatch.GetTimestamp();
        if (_outLength > 0)
        {
            _socket.Send(_out.AsSpan(0, _outLength));
            _outLength = 0;
        }

        return now;
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        FlushSync();
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by the broker; nothing to shut down.
        }

        await _stream.DisposeAsync();
        if (_reader is not null)
        {
            try
            {
                await _reader;
            }
            catch (IOException)
            {
                // The read loop ends with the socket it reads from.
            }
            catch (ObjectDisposedException)
            {
                // Same: the stream was disposed under it.
            }
        }

        _window?.Dispose();
    }

    private static int WriteLength(Span<byte> into, int length)
    {
        int n = 0;
        do
        {
            byte b = (byte)(length % 128);
            length /= 128;
            into[n++] = (byte)(length > 0 ? b | 0x80 : b);
        }
        while (length > 0);
        return n;
    }

    private void Append(byte type, byte[] body, int length)
    {
        _out[_outLength++] = type;
        _outLength += WriteLength(_out.AsSpan(_outLength), length);
        body.AsSpan(0, length).CopyTo(_out.AsSpan(_outLength));
        _outLength += length;
    }

    private async Task<(byte Type, byte[] Body)> ReadPacketAsync(CancellationToken cancellationToken)
    {
        var one = new byte[1];
        await _stream.ReadExactlyAsync(one, cancellationToken);
        byte type = one[0];
        int length = 0;
        int shift = 0;
        do
        {
            await _stream.ReadExactlyAsync(one, cancellationToken);
            length |= (one[0] & 0x7F) << shift;
            shift += 7;
        }
        while ((one[0] & 0x80) != 0);
        var body = new byte[length];
        await _stream.ReadExactlyAsync(body, cancellationToken);
        return ((byte)(type & 0xF0), body);
    }

    /// <summary>
    /// Reads packets in 256 KiB chunks: PUBACKs are counted; PUBLISHes are counted (bytes, messages, first/last time) and,
    /// at QoS 1, acknowledged with one send per chunk read.
    /// </summary>
    private void ReadLoop(bool acknowledge)
    {
        var buffer = new byte[256 * 1024];
        var acks = new byte[64 * 1024];
        int have = 0;
        while (true)
        {
            int read;
            try
            {
                read = _socket.Receive(buffer.AsSpan(have));
            }
            catch (SocketException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (read == 0)
            {
                return;
            }

            have += read;
            int at = 0;
            int ackLength = 0;
            long messages = 0;
            long bytes = 0;
            long acked = 0;
            while (true)
            {
                if (have - at < 2)
                {
                    break;
                }

                int length = 0;
                int shift = 0;
                int p = at + 1;
                bool complete = false;
                while (p < have)
                {
                    byte b = buffer[p++];
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0)
                    {
                        complete = true;
                        break;
                    }
                }

                if (!complete || have - p < length)
                {
                    break;
                }

                byte type = (byte)(buffer[at] & 0xF0);
                if (type == PubAck)
                {
                    acked++;
                }
                else if (type == Publish)
                {
                    int qos = (buffer[at] >> 1) & 0x03;
                    int topicLength = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(p));
                    int header = 2 + topicLength + (qos > 0 ? 2 : 0);
                    messages++;
                    bytes += length - header;
                    if (qos == 1 && acknowledge)
                    {
                        if (ackLength + 4 > acks.Length)
                        {
                            _socket.Send(acks.AsSpan(0, ackLength));
                            ackLength = 0;
                        }

                        acks[ackLength++] = PubAck;
                        acks[ackLength++] = 2;
                        acks[ackLength++] = buffer[p + 2 + topicLength];
                        acks[ackLength++] = buffer[p + 2 + topicLength + 1];
                    }
                }

                at = p + length;
            }

            if (ackLength > 0)
            {
                try
                {
                    _socket.Send(acks.AsSpan(0, ackLength));
                }
                catch (SocketException)
                {
                    return;
                }
            }

            if (messages > 0)
            {
                long now = Stopwatch.GetTimestamp();
                Interlocked.CompareExchange(ref _firstTimestamp, now, 0);
                Interlocked.Exchange(ref _lastTimestamp, now);
                Interlocked.Add(ref _messages, messages);
                Interlocked.Add(ref _bytes, bytes);
            }

            if (acked > 0)
            {
                Interlocked.Add(ref _acked, acked);
                _window?.Release((int)acked);
            }
            if (at > 0)
            {
                Buffer.BlockCopy(buffer, at, buffer, 0, have - at);
                have -= at;
            }

            if (have == buffer.Length)
            {
                // A packet larger than the buffer: not something this bench sends.
                throw new IOException("raw MQTT client: a packet larger than 256 KiB");
            }
        }
    }
}
