namespace Rig.Recording.Sync;

/// <summary>
/// One NTP-style clock exchange: the host sends a SyncRequest at <see cref="HostSendNanos"/>, the device stamps its
/// receipt and its reply in device µs, and the host stamps the reply's arrival. Host times are the host monotonic
/// clock in ns (the journal's clock); device times are µs since boot.
/// </summary>
public readonly record struct SyncExchange(long HostSendNanos, ulong DeviceReceiveMicros, ulong DeviceReplyMicros, long HostReceiveNanos)
{
    /// <summary>Time on the network both ways, ns: the round trip less the device's own turnaround.</summary>
    public long RoundTripNanos => HostReceiveNanos - HostSendNanos - ((long)(DeviceReplyMicros - DeviceReceiveMicros) * 1000);

    /// <summary>Host time halfway through the exchange, ns.</summary>
    public double HostMidNanos => HostSendNanos + ((HostReceiveNanos - HostSendNanos) / 2.0);

    /// <summary>Device time halfway through the device's turnaround, µs.</summary>
    public double DeviceMidMicros => DeviceReceiveMicros + ((DeviceReplyMicros - DeviceReceiveMicros) / 2.0);

    /// <summary>
    /// True when the times are consistent: the host's reply arrives after its request, the device replies after it
    /// receives, and the network time is not negative (a negative value means the clocks or stamps are wrong).
    /// </summary>
    public bool IsPlausible => HostReceiveNanos >= HostSendNanos && DeviceReplyMicros >= DeviceReceiveMicros && RoundTripNanos >= 0;
}
