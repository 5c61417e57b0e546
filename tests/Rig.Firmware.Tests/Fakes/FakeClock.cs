using Rig.Firmware.Hardware;

namespace Rig.Firmware.Tests.Fakes;

/// <summary>Test fake: a device clock the test sets by hand.</summary>
public sealed class FakeClock : IMicrosecondClock
{
    public ulong NowMicros { get; set; }
}
