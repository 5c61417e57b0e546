namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;

    /// <summary>Sync/trigger outputs, switched by the native module so each change is recorded on the device clock.</summary>
    public sealed class NativeOutputs : IDigitalOutputs
    {
        private readonly int _channels;
        private uint _refused;

        public NativeOutputs(int channels)
        {
            _channels = channels;
        }

        public int ChannelCount
        {
            get { return _channels; }
        }

        public uint Refused
        {
            get { return _refused; }
        }

        public void Write(byte channel, byte level)
        {
            if (NativeCapture.SetOutput(channel, level) < 0)
            {
                _refused++;
            }
        }
    }
}
