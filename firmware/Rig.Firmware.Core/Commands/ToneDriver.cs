namespace Rig.Firmware.Commands
{
    using Rig.Firmware.Hardware;
    using Rig.Protocol;

    /// <summary>
    /// Plays cue tones for PlayTone commands and for position triggers, with one set of limits, and remembers the last
    /// frequency played: a tone monitor edge reports it, since the line itself only says on or off.
    /// </summary>
    public sealed class ToneDriver
    {
        private readonly ITone _tone;
        private readonly uint _maxMicros;
        private ushort _frequencyHz;

        public ToneDriver(ITone tone, uint maxMicros)
        {
            _tone = tone;
            _maxMicros = maxMicros;
        }

        /// <summary>The frequency of the last tone played, Hz.</summary>
        public ushort FrequencyHz
        {
            get { return _frequencyHz; }
        }

        /// <summary>Plays the tone, or refuses a frequency or duration of 0 or a duration over the maximum (detail: the maximum, µs).</summary>
        public AckResult TryPlay(ushort frequencyHz, uint durationMicros, out uint detail)
        {
            detail = 0;
            if (frequencyHz == 0 || durationMicros == 0 || durationMicros > _maxMicros)
            {
                detail = _maxMicros;
                return AckResult.OutOfRange;
            }

            _frequencyHz = frequencyHz;
            _tone.Play(frequencyHz, durationMicros);
            return AckResult.Ok;
        }
    }
}
