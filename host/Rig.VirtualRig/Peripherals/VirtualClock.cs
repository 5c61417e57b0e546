using System.Threading;
using Rig.Firmware.Hardware;

namespace Rig.VirtualRig.Peripherals;

/// <summary>Virtual device time in microseconds. Advanced by the simulation loop; read from any thread.</summary>
public sealed class VirtualClock : IMicrosecondClock
{
    private long _micros;

    public VirtualClock(ulong startMicros = 0)
    {
        _micros = (long)startMicros;
    }

    public ulong NowMicros => (ulong)Interlocked.Read(ref _micros);

    public void AdvanceTo(ulong micros) => Interlocked.Exchange(ref _micros, (long)micros);
}
