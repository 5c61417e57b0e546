using System.Collections.Generic;
using Rig.Firmware.Hardware;

namespace Rig.Firmware.Tests.Fakes;

public sealed class FakeOutputs : IDigitalOutputs
{
    public FakeOutputs(int channelCount = 4)
    {
        ChannelCount = channelCount;
    }

    public int ChannelCount { get; }

    public List<(byte Channel, byte Level)> Writes { get; } = [];

    public void Write(byte channel, byte level) => Writes.Add((channel, level));
}
