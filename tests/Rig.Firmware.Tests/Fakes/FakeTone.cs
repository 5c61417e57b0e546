using System.Collections.Generic;
using Rig.Firmware.Hardware;

namespace Rig.Firmware.Tests.Fakes;

public sealed class FakeTone : ITone
{
    public List<(ushort FrequencyHz, uint DurationMicros)> Plays { get; } = [];

    public int Silences { get; private set; }

    public void Play(ushort frequencyHz, uint durationMicros) => Plays.Add((frequencyHz, durationMicros));

    public void Silence() => Silences++;
}
