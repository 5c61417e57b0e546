using Rig.Firmware.Hardware;

namespace Rig.Firmware.Tests.Fakes;

/// <summary>The quadrature counter: the test sets <see cref="Count"/>; reads are counted.</summary>
public sealed class FakeEncoder : IEncoderCounter
{
    public long Count { get; set; }

    public int Reads { get; private set; }

    public long ReadCount()
    {
        Reads++;
        return Count;
    }
}
